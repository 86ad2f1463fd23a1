# unit.test_controller: the sans-I/O network controller (src/controller/controller*.c), its
# request flows.  unit.test_controller_api: store failures, the rules JSON parser and the
# zts_controller_* embedding API (src/controller/api.c, include/zts_controller.h).
# unit.test_controller_index: address allocation and active bridges on the store index, with
# restarts, on every store kind.  unit.test_controller_rest: the REST routes (rest.c) over a
# temporary SQLite store.  unit.test_controller_track: the member table (controller_track.c)
# against a model, and the address probe's guesses.  All share the fixtures of controller_testutil.c.
foreach(suite controller controller_api controller_index controller_rest controller_track)
  zt_add_test(test_${suite} unit ${CMAKE_CURRENT_LIST_DIR}/test_${suite}.c
              ${CMAKE_CURRENT_LIST_DIR}/controller_testutil.c)
  target_link_libraries(test_${suite} PRIVATE zt_controller)
  target_include_directories(test_${suite} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
endforeach()
