# unit.test_runner_ports: the runner's extra ports (src/sdk/runner.c, runner_io.c; vl1.md
# §5.11): the secondary port re-bound after an offline period (the test knob
# secondary_rebind_ms makes it 300 ms), kept when fixed or online; the tertiary port handed to a
# fake port mapper.  Real runners on 127.0.0.1; no gateway is asked.
zt_add_test(test_runner_ports unit ${CMAKE_CURRENT_LIST_DIR}/test_runner_ports.c)
target_include_directories(test_runner_ports PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(test_runner_ports PRIVATE zt_sdk)
set_tests_properties(unit.test_runner_ports PROPERTIES TIMEOUT 60)
