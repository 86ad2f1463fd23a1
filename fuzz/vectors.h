/*
 * vectors.h: the test identities of tests/vectors/vl2.json that harnesses sign with (never used
 * for anything real), as string literals: the controller 7064247a5a and the member
 * 136548ea94, secret text form (vl1.md §1.6).  Fuzz code only.
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

#endif
