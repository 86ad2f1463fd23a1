# VL1 runtime tests (included from tests/integration/CMakeLists.txt): the I/O layer on its own,
# then real zt-service processes on loopback.  Paths use CMAKE_CURRENT_LIST_DIR so that this
# file works from whichever directory includes it.
add_executable(test_io ${CMAKE_CURRENT_LIST_DIR}/test_io.c)
zt_target_defaults(test_io)
target_link_libraries(test_io PRIVATE zt_io Threads::Threads)
add_test(NAME integration.io COMMAND test_io)
set_tests_properties(integration.io PROPERTIES LABELS integration TIMEOUT 60)

add_test(NAME integration.vl1_loopback
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/vl1_loopback.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool>)
set_tests_properties(integration.vl1_loopback PROPERTIES LABELS integration TIMEOUT 120)
