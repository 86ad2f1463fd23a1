# unit.test_intercept: libztintercept.so without zt-service (docs/intercept.md).  The program
# checks the library's exports with nm, then runs itself under LD_PRELOAD: inert without
# ZT_NC_NETWORK (real TCP and UDP on 127.0.0.1), ENETDOWN when nothing listens, a service of
# another protocol version, and the library against a scripted stand-in for the service
# (intercept_mock.c).  Included from tests/CMakeLists.txt after apps/ defined ztintercept.
#
# The program is preloaded with the library, so it is built without sanitizers whatever the
# global flags (a sanitized program refuses another library loaded before its runtime).
if(NOT TARGET ztintercept)
  return()
endif()
find_package(Threads REQUIRED)

add_executable(test_intercept ${CMAKE_CURRENT_LIST_DIR}/test_intercept.c
                              ${CMAKE_CURRENT_LIST_DIR}/intercept_mock.c)
zt_target_defaults(test_intercept)
target_compile_options(test_intercept PRIVATE -fno-sanitize=all)
target_link_options(test_intercept PRIVATE -fno-sanitize=all)
target_include_directories(test_intercept PRIVATE ${PROJECT_SOURCE_DIR}/apps/intercept)
target_link_libraries(test_intercept PRIVATE Threads::Threads)
add_dependencies(test_intercept ztintercept)
add_test(NAME unit.test_intercept
         COMMAND test_intercept $<TARGET_FILE:ztintercept> ${CMAKE_NM} ${CMAKE_READELF})
set_tests_properties(unit.test_intercept PROPERTIES LABELS unit TIMEOUT 60)
