# The example programs on a private loopback world (to be included from tests/CMakeLists.txt):
# a root that is also the controller (zt-service), the five examples as library nodes and a
# zt-service member that pings two of them.  Include it after tests/integration (for
# zt-ctltool, vl2.cmake).  The examples' own targets are defined later (examples/ comes after
# tests/ at the top level), so the test depends on what makes them exist: zt-static and
# examples/CMakeLists.txt.  Paths use CMAKE_CURRENT_LIST_DIR so that this file works from
# whichever directory includes it.
if(TARGET libzt::zt-static AND TARGET zt-service AND TARGET zt-idtool AND TARGET zt-ctltool
   AND EXISTS ${PROJECT_SOURCE_DIR}/examples/CMakeLists.txt)
  add_test(NAME integration.examples
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/examples.sh
                   $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-ctltool>
                   $<TARGET_FILE:adhoc> $<TARGET_FILE:client> $<TARGET_FILE:server>
                   $<TARGET_FILE:comprehensive> $<TARGET_FILE:pingable>)
  set_tests_properties(integration.examples PROPERTIES LABELS integration TIMEOUT 150)
endif()
