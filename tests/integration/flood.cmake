# integration.flood (issue 9): a HELLO flood from fake identities (bench/bench_flood) against a
# zt-service leaf on loopback; its known peer keeps being answered, a new peer gets through,
# SIGTERM stops it within 3 s.  bench_flood is defined in bench/, configured after tests/: the
# generator expression resolves it at generation time.
add_test(NAME integration.flood
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/flood.sh
                 $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:bench_flood>)
set_tests_properties(integration.flood PROPERTIES LABELS integration TIMEOUT 120)
