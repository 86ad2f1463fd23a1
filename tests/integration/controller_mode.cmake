# integration.controller_mode: an application controls its own network through
# zts_controller_attach, and another library node (the example client) uses it.
if(NOT TARGET libzt::zt-static OR NOT TARGET zt-service OR NOT TARGET zt-idtool)
  return()
endif()
add_executable(ctl_node ${CMAKE_CURRENT_LIST_DIR}/ctl_node.c)
target_compile_options(ctl_node PRIVATE ${ZT_WARNINGS})
target_link_libraries(ctl_node PRIVATE libzt::zt-static)
# The examples are configured after tests/: name the client by its path.
add_test(NAME integration.controller_mode
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/controller_mode.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:ctl_node>
                 ${PROJECT_BINARY_DIR}/examples/client)
set_tests_properties(integration.controller_mode PROPERTIES LABELS integration TIMEOUT 90)
