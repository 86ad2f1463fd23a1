# unit.test_sock: the zts_* socket calls (api.md §5.7) over src/socket and lwIP's
# loopback netif (127.0.0.1, ::1): no ZeroTier node, the service gate opened by hand.
# Included by tests/CMakeLists.txt.
if(NOT TARGET zt_socket)
  return()
endif()

add_executable(test_sock ${CMAKE_CURRENT_LIST_DIR}/test_sock.c)
zt_target_defaults(test_sock)
target_link_libraries(test_sock PRIVATE zt_socket PkgConfig::CMOCKA Threads::Threads)
add_test(NAME unit.test_sock COMMAND test_sock)
# 8 MiB echoes and 70,000 sockets under the sanitizers take some seconds; every blocking call
# in the suite is bounded well below this.
set_tests_properties(unit.test_sock PROPERTIES LABELS unit TIMEOUT 120)

# unit.test_stack: a network's netif fed frames by hand (every IPv4 address of a config
# answers ARP and echo; aliases come and go with the config; bad frames).
add_executable(test_stack ${CMAKE_CURRENT_LIST_DIR}/test_stack.c)
zt_target_defaults(test_stack)
target_link_libraries(test_stack PRIVATE zt_socket PkgConfig::CMOCKA Threads::Threads)
add_test(NAME unit.test_stack COMMAND test_stack)
set_tests_properties(unit.test_stack PROPERTIES LABELS unit TIMEOUT 60)

# unit.test_svc_queue: the event queue both APIs share (src/sdk/svc_events.c): order, the
# bound, and which events count toward it.
if(TARGET zt_svc)
  add_executable(test_svc_queue ${CMAKE_CURRENT_LIST_DIR}/test_svc_queue.c)
  zt_target_defaults(test_svc_queue)
  target_link_libraries(test_svc_queue PRIVATE zt_svc PkgConfig::CMOCKA Threads::Threads)
  add_test(NAME unit.test_svc_queue COMMAND test_svc_queue)
  set_tests_properties(unit.test_svc_queue PROPERTIES LABELS unit TIMEOUT 60)
endif()
