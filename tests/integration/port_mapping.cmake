# integration.port_mapping: the tertiary port mapped on a gateway by NAT-PMP and by UPnP IGD,
# renewed and deleted at stop, and the off switches (port_mapping.sh), in network namespaces
# the test makes, against responders written for it (natpmp_gw.py, upnp_igd.py).  Needs root
# and ip netns; skipped (exit 77) without.  Included from tests/integration/CMakeLists.txt.
add_test(NAME integration.port_mapping
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/port_mapping.sh $<TARGET_FILE:zt-service>
                 $<TARGET_FILE:zt-idtool>)
set_tests_properties(integration.port_mapping PROPERTIES LABELS integration TIMEOUT 150
                     SKIP_RETURN_CODE 77)
