# zt-cli against a stub API and against zt-service (docs/cli.md).
add_test(NAME integration.cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli.sh $<TARGET_FILE:zt-cli>
                 ${CMAKE_CURRENT_LIST_DIR}/cli_stub.py ${CMAKE_CURRENT_LIST_DIR}/cli_expected)
set_tests_properties(integration.cli PROPERTIES LABELS integration TIMEOUT 180)
add_test(NAME integration.cli_service
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli.sh $<TARGET_FILE:zt-cli>
                 ${CMAKE_CURRENT_LIST_DIR}/cli_stub.py ${CMAKE_CURRENT_LIST_DIR}/cli_expected
                 $<TARGET_FILE:zt-service>)
set_tests_properties(integration.cli_service PROPERTIES LABELS integration TIMEOUT 120)
