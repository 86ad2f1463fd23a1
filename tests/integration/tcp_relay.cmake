# integration.tcp_relay: zt-relay, the TCP fallback relay (docs/relay.md), on loopback with a
# Python client (tcp_relay.py, standard library only): framing byte-exact both ways, split
# messages, two clients, garbage, a client that never reads, max-clients, idle, rate, allow,
# SIGTERM.  Included from tests/integration/CMakeLists.txt.
add_test(NAME integration.tcp_relay
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/tcp_relay.sh $<TARGET_FILE:zt-relay>)
set_tests_properties(integration.tcp_relay PROPERTIES LABELS integration TIMEOUT 120)
# integration.tcp_fallback: the client side in the runner against zt-relay, forced on loopback
# and by the 60 s fallback in network namespaces with UDP dropped (tcp_fallback.sh).
add_test(NAME integration.tcp_fallback
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/tcp_fallback.sh $<TARGET_FILE:zt-service>
                 $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-relay> $<TARGET_FILE:zt-cli>)
set_tests_properties(integration.tcp_fallback PROPERTIES LABELS integration TIMEOUT 300)
