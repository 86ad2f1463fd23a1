# System dependencies, all from Debian packages (scripts/setup.sh installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
pkg_check_modules(OPENSSL_CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
find_package(Threads REQUIRED)
# Port mapping (src/sdk/portmap.c, zt-service only; libzt never links them): UPnP IGD with
# libminiupnpc (a pkg-config module) and NAT-PMP with libnatpmp (no .pc file in Debian).
pkg_check_modules(MINIUPNPC REQUIRED IMPORTED_TARGET miniupnpc)
find_path(ZT_NATPMP_INCLUDE_DIR natpmp.h REQUIRED)
find_library(ZT_NATPMP_LIBRARY natpmp REQUIRED)
# libpq: the controller's PostgreSQL store (src/controller/store_pg*.c, library zt_store_pg;
# libzt never links it).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
