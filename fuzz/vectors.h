/*
 * vectors.h: the test identities of tests/vectors/vl2.json that harnesses sign with (never used
 * for anything real), as string literals: the controller 7064247a5a and the member
 * 136548ea94, secret text form (vl1.md §1.6); and the identities the node harnesses
 * (fuzz_node, fuzz_vl2) share: A, B and C of tests/vectors/vl1.json and one more, D.  Fuzz
 * code only.
 */
#ifndef ZT_FUZZ_VECTORS_H
#define ZT_FUZZ_VECTORS_H

#define ZT_FUZZ_VL2_CONTROLLER_SECRET                                                          \
    "7064247a5a:0:fe1fa7eb2b604654bed5a56ee321acccbf7c8a64954c03a77b9071d1a8ef0b4a402d53f3dfa" \
    "e61262a04b41012be40c3bf89f9de9c73a31658386ce83b5a5f0c:343717da61c64524f4304f70df66d5f88d" \
    "e4df3481cbae65c2aa40cf2fc9d3a0fd6696dc00c0188b49b918b245d4eeba88be52d43a00d895ea8eb15ac0" \
    "768efa"

#define ZT_FUZZ_VL2_MEMBER_SECRET                                                              \
    "136548ea94:0:0293bd5b32810d1ebf6bdad85436df23e130f4f1ea1672ee498219053601817e1b7063d2f0e" \
    "65119fffc6772ece73f5b9fa14ceab9d82a068450f82ed1acaba5:67d193cc202cb8ef1deaa0873f64f98d3a" \
    "198c2485eb05ec3ff6152b69e12aefe2f276e6f10d9944846aabe6168850c7de81686f89ae9e0d929ed9165" \
    "97aec68"

/* tests/vectors/vl1.json A, B and C; D, a fourth valid identity. */
#define ZT_FUZZ_VL1_A_SECRET \
    "e15db08738:0:8854e7e4b6c1a77e630c7022960f92fbeedf18fc3fdc3360f999552f02fe1321e04356f400b3b9" \
    "01c1834622921ad762f7f79dadb08805be53531af005d3f784:33afce186c35f8f1e8b52e869196ec77c8332e8" \
    "3445776e25e05c6cf0af99a1c75937629071a12d9dc6f390cd3b28e78ee353eb716bd7cbb2c0737a5343be715"

#define ZT_FUZZ_VL1_B_SECRET \
    "56dafcaa5f:0:e399c54f7d95429bdb9a541b388e10f31328218327138094662914d3ddebbf6ce88b1c378f84b6" \
    "5b859dbb4d031b181f9aae68dd040c3120d9d4a7596b1be9dc:bab10d76ea0537c25c98ce78448d26e425471de" \
    "27df9bc6399b8299208ebabf172108e0e0f57f621cfc6930ba0bd0949464d266a0f22988cb3a442e0be805eb0"

#define ZT_FUZZ_VL1_C_SECRET \
    "861f913ca3:0:d45bfd08418cdd1709906b2c0b4a9b31e80ec44b70850d9e3341d8662a12eb57032a5a8334fb55" \
    "ea0776b4cd1539cdc66c4e5f9512c862871d7f1a5b9342eb49:77e796fccfc14f092e8265c4fe6d164abd83ce3" \
    "702afcf36c02b13f1842d32776a737f7dc56fdcfb019f1931ef773cdeb97ff155c3c564dd357d6ae6827f61a5"

#define ZT_FUZZ_NODE_D_SECRET \
    "56ebc7cb87:0:69483a103eabc9eef99a9f9944e86cabb481915873a8e8f35941c688a1730328e189c8e402eda3" \
    "ed18eac7ea5fc4c6be87d1e06265ee53db1a1750972887086d:8883c916ba4964501b1fc6c23c13d844b36bf98" \
    "28f8c2b6ff9fe47f8dcca7a07d7e2dd8b6e37433c772f515e7c67816f7943efa48c6de6faa636694c52bfac06"

#endif
