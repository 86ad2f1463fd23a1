/*
 * sim_fixtures.c: the simulator's fixed inputs: node identities and the planet's signing key
 * (see sim_internal.h, docs/internals/simulation.md).
 */
#include "sim_internal.h"

#include <string.h>

#define SIM_PLANET_ID 0x5157a11dULL       /* our simulated planet's world ID */
#define SIM_PLANET_TIMESTAMP 1700000000000ULL

/*
 * Identity fixtures, made once with `zt-idtool generate` for this simulator and used nowhere
 * else.  Node i of every world gets fixture i (roots first, in the order they are added).
 * Generating identities costs 20-300 ms each (more under ASan); fixtures also make traces
 * identical across processes.  Beyond the fixtures, identities are generated and cached.
 */
static const char *const fixture_ids[] = {
    "aee61fbd60:0:"
    "aa79822c410edbedf7ae7abc360e95d256b5a1097daf421adc6e0b45a8396c01"
    "e53e43248aea05ba18ed501f048c5672a3d44870ff38bfdc0e0b2b7d3192d32f"
    ":9a6ccf558b24157e011283300f160cd53644419bddeeccac5312b04871b29ecc"
    "14ff416760f3e369e593703ad6f08ed55c54aa118621c219b623977446d0c2fb",
    "39bcd7411a:0:"
    "0c9049a10ec4c107d4ab8ec75d0d91a197395d61c43001397264c5a2f5b14718"
    "36b99633d6b86a22ebaf16bf501581126450ec0c6dcaefc0c8bf89e9afb7f842"
    ":143a4bae4da7833d78c22108e723d3331e0dc060becfe931533b418810b9683d"
    "27623442a6c5c3ca796ba6d0b8eb9b4485974ed2abdf8cd7a88e37ae97b65911",
    "871cef7c67:0:"
    "0926169010be9a1ba015aa008221416f7b27bd0da39f61400567b9c2cd3ea314"
    "1ecdae5db7affd54a7bd9b3d5d0d88864dfd0820f2b795f21ac6931e1de722f5"
    ":4e8a9599bfb5de81fe6f6ede698783c1b0e7d487adabe4639f5e8ae74b86cbcf"
    "ff3ecb2591758df7d11d41d1b167300b8af009400fddf30aef5e0903b0e561d8",
    "27a72429b9:0:"
    "68875f87443d37050d0c4ab494a6216ca01471de8bc31c793bf36003f9420c5b"
    "7c9dda0e9e5624c396d9605be67da30dcd80578db6dc4fba6c16c7670b8c3cce"
    ":6bbd72e5421f212f7a4fd1220eafd0821fca7373b7bf3bf9aaff58a31c36a692"
    "2d7928941442164f0d40751903ca0335e6272334eec8d1c751fb21ccec8e6f8d",
    "b6adaa9559:0:"
    "217d48376abbf6cc2d74652702701dfdd9f9d322b3caf3f78faa0f1606da4c14"
    "73a02e3f40b8b0e18f033fe2159725085ed78d165b5f2f54897f3fe837f5f939"
    ":120450375d029c3781a6b0bf3087702072299ae7b0a4734e9ad8fcac4927405e"
    "180fee5cb0a7cc8e1942b95c8a49b29f6ac56d28276b3f195147f46927f2ab1e",
    "2da33550cf:0:"
    "7fbd065c787818a36d8fc5996deed476ee1d13481be0530df53ffc0b20e4ea5f"
    "09638853ea65227ba300a391112785f07c6d958818b8c437949f0e87c250e7a3"
    ":67ef3c6575bee03e9dc922b6e31338deba2bd667e7e21d72294eab5613aafff5"
    "b6e26397efc21704042b0cea10ed8607436e3405e8b590cc8b994c1feb80fbe9",
    "9b147b67a6:0:"
    "9da63e2e394502d38a7e4fa59ef45b98d47ada01414530117f262c743d3e5201"
    "918afaa9a01b8afcee609bf3ab61db620f13c817e68e2ce3217f0a5621d0bb4d"
    ":f121028934b2b8dd2409900ebef0028ce2910c59867e1656dbcfe6385b22eb3f"
    "21a42679146ee57ad153bdfbf42d1b94a46491d673182880f6ddb52e69667a20",
    "8f8eecc00f:0:"
    "3fe5e0f2caae1c67d4a3d13e80b27fc2a80238158b4cd0ac6e6158798185da74"
    "014d63587f8e9ca8db2570aa853c5e23b5a3d8120d570dccfdc7f60111468a55"
    ":191d273dd1628201e4c05a696aaa83b935fb0a8b4cf88a5585e83654b97bebe8"
    "b90186827801582a47cc1f55891127e1c4a209e7d71144c0c905034740979d97",
    "e57b073c3d:0:"
    "1c7ebbe2df2da8b21f7b6584bb798c4bf8c94b282c70a2273caf86b37d27a61f"
    "fc8fc8a806ff7c49df2f1b63c9ae8678d7e64f84bd5b518b5eef12a9f1f48579"
    ":feee3e384630c2d4cf47dfb1a622b1eadbd714b67825d96d767f9f549a0f644a"
    "ae928f099c0f80b5f5137ad7a554767f7cefb06e53beee0b41b9c048dc588e83",
    "f4c0353e71:0:"
    "ac3dd5b28a9b19f6592ed94d8b6927b8571c8a022f5c44465ace4025583fd27c"
    "ec934efcf44e9681416533180d1110034bf264bdf5e0a165dd41de80098e3174"
    ":119efcfe0df8e5d946c12b9c0a805e3b708d57fb0ac09b4a14c8aa8c3bab050e"
    "67f250657607fb03f1214f2df424af46af7c4a7c7f3e8082dce99fccbee580c5",
    "0663ff884b:0:"
    "7fd53ec9a3de495ffd52ddf524226fb79ec4ec6116412aa71c861fb2adeeba15"
    "178e635fc2faaa224954693ccb65549b01d5a163b0b41f6bfb2a5abde8fa6690"
    ":0b202b398322ec8e36a740d63e7f209509db5d2d95e07f1acd4d0acc1ff02e24"
    "9a9132ced9f752c91fefee600f68c4350e901637609d50317459a8ee3ecec72f",
    "d74bc38476:0:"
    "bcd0cc3b362f91440b8e27869d95aa3195e81265e002026caa4fabe59e52a530"
    "3d1bdc884d2bc21d4d4ce92378d52778f156944aa3a159338c4eb876f2eabbfa"
    ":70c4d2c8d05a2059f3484e62e9cfa82f7e516d5b26aa73e6c4b09945aefb589c"
    "8ed964fe2d88df7ef10ae72350ca9d27cce70db1e74aad40d2c62c27e8d2e2e4",
    "ef1440de10:0:"
    "e2a837b0376fa40b848c1a4c1861032543d9417f045911644ee3e0eeb84a0f25"
    "a4fe0e852505511e3e5feae5304422f43a5f10c5976c3c5d418f8830685e43ff"
    ":82ee09b3f0cc2cd25b1b8a4f44ab0b5b3aaacc0a980ee17035738c07f8d81273"
    "28610fe8bf6a82ded4e555c9c67174cff237777559c02bc65afe3fe7ddc08810",
    "0dbd4fb823:0:"
    "95469e671554de1286114cbec334ca1f2f40554b4c8b4fb7c5324b9a2c94847a"
    "d4fc44d47d71d1fc75d6f25d6df456db6aa2d3d929baf671c2764782405f9485"
    ":c6211b171582c53f22819918ed4a9f21c278a759252ec27b08fcc55e3b23a85d"
    "78405cc7304b4be39dc9a8cebb4967d7a737c41c8dc29f4351d42a20d2031ba1",
    "1667c9da6c:0:"
    "b99b5c1daf63c5bfe018f43c168d9e41a2d8028ca20ba12b07eb1905f6bc2c7f"
    "77a98d929a4eb7616573a853259435cbd1f33cb848baedb37b1b2fdf2d1ab4e0"
    ":c92299994e9aaa000d4756077347ecb3f50fc43f381d9240e0386cde15fe2e04"
    "8c3600934f683b5673037f7857bdde468e7614231158380bb60506b5f101f8b5",
    "5023a6c713:0:"
    "942a49120677f990443794860e789b777d0093e528d753db6d160da07222aa43"
    "2623b3e85d7aab20c2e0a4cdc8979ec94671e61a1c0fed7d5a584f3d926b9366"
    ":36e02c373004b0634b2c27dba3eb64d3f9323f5f433dd50968cedbc65e753868"
    "f0c051108b0b2052195affd3bd30808bd7aa85d0a473b0df13e441faeb221d9f",
};

#define NFIXTURES (sizeof(fixture_ids) / sizeof(fixture_ids[0]))

/* Fixed world signing key pair (secret halves; the public half is derived). */
static const uint8_t planet_secret[ZT_IDENTITY_KEY_LEN] = {
    0x51, 0x1d, 0x0c, 0x37, 0x8e, 0x42, 0x19, 0xa5, 0x6b, 0xf0, 0x23, 0x77, 0xc4, 0x08, 0x9e,
    0x31, 0x5d, 0xe2, 0x14, 0x86, 0x4b, 0x3a, 0xd9, 0x60, 0x0f, 0xb8, 0x72, 0x2c, 0x95, 0xe7,
    0x1a, 0x4e, 0x83, 0x2f, 0xcc, 0x06, 0x58, 0xa1, 0x3d, 0x97, 0xf4, 0x6e, 0x10, 0xbb, 0x29,
    0x75, 0xd3, 0x48, 0x0a, 0x9c, 0x67, 0xe1, 0x35, 0x8b, 0x52, 0xfd, 0x1e, 0xa9, 0x44, 0xc0,
    0x7b, 0x26, 0xe8, 0x93,
};

static zt_identity id_cache[SIM_MAX_NODES];
static bool id_cached[SIM_MAX_NODES];

void identity_for(unsigned i, zt_identity *out)
{
    if (i >= SIM_MAX_NODES)
        die("too many nodes");
    if (!id_cached[i]) {
        int rv;
        if (i < NFIXTURES) {
            const char *s = fixture_ids[i];
            rv = zt__identity_from_string(&id_cache[i], s, strlen(s));
        } else {
            rv = zt__identity_generate(&id_cache[i], NULL);
        }
        if (rv != 0 || !id_cache[i].has_secret)
            die("identity %u: %s", i, zt__strerror(rv));
        id_cached[i] = true;
    }
    *out = id_cache[i];
}

void build_planet(sim_world *w)
{
    static zt_world planet; /* large; built once per start, never used concurrently */
    uint8_t pub[ZT_IDENTITY_KEY_LEN];
    zt_ssize len;
    unsigned r = 0;

    memset(&planet, 0, sizeof(planet));
    planet.type = ZT_WORLD_TYPE_PLANET;
    planet.id = SIM_PLANET_ID;
    planet.timestamp = SIM_PLANET_TIMESTAMP;
    zt__keypair_public(planet_secret, pub);
    memcpy(planet.update_key, pub, sizeof(pub));
    for (unsigned i = 0; i < w->nnodes; i++) {
        sim_node *n = w->nodes[i];
        if (!n->is_root)
            continue;
        planet.roots[r].identity = n->id;
        zt__identity_clear(&planet.roots[r].identity); /* public only */
        planet.roots[r].identity.has_secret = false;
        planet.roots[r].nendpoints = 1;
        planet.roots[r].endpoints[0] = n->addr;
        r++;
    }
    planet.nroots = r;
    if (zt__world_sign(&planet, planet_secret) != 0)
        die("cannot sign the planet");
    len = zt__world_write(&planet, false, w->planet, sizeof(w->planet));
    if (len < 0)
        die("cannot write the planet: %s", zt__strerror((int)len));
    w->planet_len = (size_t)len;
}
