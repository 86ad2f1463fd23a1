# The local HTTP API of zt-service (docs/service.md, "Local API").
add_test(NAME integration.service_api
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/service_api.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-ctltool>)
set_tests_properties(integration.service_api PROPERTIES LABELS integration TIMEOUT 180)
# The controller's REST routes through the same API, with pushes to members (controller.md §5).
add_test(NAME integration.controller_api
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/controller_api.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool>)
set_tests_properties(integration.controller_api PROPERTIES LABELS integration TIMEOUT 150)
# local.conf's settings beyond the ports: bind, path blacklists, controllerDbPath, ...
add_test(NAME integration.local_conf
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/local_conf.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool>)
set_tests_properties(integration.local_conf PROPERTIES LABELS integration TIMEOUT 120)
