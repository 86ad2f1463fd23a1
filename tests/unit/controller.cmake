# unit.test_controller: the sans-I/O network controller (src/controller/controller*.c) and the
# zts_controller_* embedding API (src/controller/api.c, include/zts_controller.h).
zt_add_test(test_controller unit ${CMAKE_CURRENT_LIST_DIR}/test_controller.c)
target_link_libraries(test_controller PRIVATE zt_controller)
target_include_directories(test_controller PRIVATE ${CMAKE_SOURCE_DIR}/tests)
