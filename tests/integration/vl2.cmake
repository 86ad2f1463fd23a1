# VL2 runtime test (to be included from tests/integration/CMakeLists.txt): a root that is also
# the network controller and two members, real zt-service processes on loopback, exchanging
# ARP and ICMP echo frames.  zt-ctltool prepares the controller's SQLite store.  Paths use
# CMAKE_CURRENT_LIST_DIR so that this file works from whichever directory includes it.
add_executable(zt-ctltool ${CMAKE_CURRENT_LIST_DIR}/zt-ctltool.c)
zt_target_defaults(zt-ctltool)
target_link_libraries(zt-ctltool PRIVATE zt_controller)

add_test(NAME integration.vl2_loopback
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/vl2_loopback.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-ctltool>)
set_tests_properties(integration.vl2_loopback PROPERTIES LABELS integration TIMEOUT 120)

# A planet of two roots in a network namespace, each member homed on one (nft blocks the other):
# WHOIS forwarded and packets relayed between roots, then PUSH_DIRECT_PATHS takes the members
# direct (two_roots.sh; skipped without root, ip netns or nft).
add_test(NAME integration.two_roots
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/two_roots.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-ctltool>)
set_tests_properties(integration.two_roots PROPERTIES LABELS integration TIMEOUT 200)

# zt-service's controller on PostgreSQL and zt-ctldb's copies (SQLite -> PostgreSQL ->
# controller.d -> SQLite), under a throwaway server (tests/pg/pg_temp.sh; label pg).
add_test(NAME pg.controller_service
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/pg/pg_temp.sh --timeout 170
                 bash ${CMAKE_SOURCE_DIR}/tests/pg/controller_service.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-ctltool>
                 $<TARGET_FILE:zt-ctldb>)
set_tests_properties(pg.controller_service PROPERTIES LABELS pg TIMEOUT 200
                     SKIP_RETURN_CODE 77)
