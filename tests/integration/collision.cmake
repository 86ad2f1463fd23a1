# Identity collision (issue 12, included from tests/integration/CMakeLists.txt after vl2.cmake,
# which builds zt-ctltool): a root with forged peer cache records tells two zt-service nodes
# that their addresses are taken; the plain node restarts with a new identity, the controller
# keeps its own.
add_test(NAME integration.collision
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/collision.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-ctltool>)
set_tests_properties(integration.collision PROPERTIES LABELS integration TIMEOUT 120)
