# The installed libzt (cmake/libzt.cmake), checked from a user's side: install into a temp
# prefix, the exports of libzt.so, and consumer/ built with pkg-config and find_package
# against libzt.so and libzt.a (libzt_install.sh).  Included from tests/CMakeLists.txt;
# nothing to do when the socket API is not built (ZT_BUILD_LWIP=OFF).
if(NOT TARGET libzt::zt OR NOT TARGET libzt::zt-static)
  return()
endif()

add_test(NAME integration.libzt_install
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/libzt_install.sh
                 ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR} ${CMAKE_C_COMPILER} ${CMAKE_COMMAND}
                 ${PROJECT_VERSION} $<IF:$<BOOL:${ZT_SANITIZE}>,ON,OFF>)
# Two CMake configure+build runs and four small links: well under a minute on one core.
set_tests_properties(integration.libzt_install PROPERTIES LABELS integration TIMEOUT 300)
