# State files (issue 9, included from tests/integration/CMakeLists.txt after vl2.cmake, which
# builds zt-ctltool): FIFOs, dangling links, an altered planet, bad moons and a truncated
# network config, with real zt-service processes on loopback.
add_test(NAME integration.state_files
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/state_files.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-ctltool>)
set_tests_properties(integration.state_files PROPERTIES LABELS integration TIMEOUT 180)
