# Unmodified programs on the virtual network through libztintercept.so (docs/intercept.md):
# python3's http.server and curl, redis-server and redis-benchmark, echo servers and clients,
# and a library node (zts_peer, from sockets.cmake) against an intercepted program.
if(NOT TARGET ztintercept OR NOT TARGET zts_peer)
  return()
endif()
add_test(NAME integration.intercept
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/intercept.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-ctltool>
                 $<TARGET_FILE:ztintercept> $<TARGET_FILE:zts_peer>)
set_tests_properties(integration.intercept PROPERTIES LABELS integration TIMEOUT 270)
