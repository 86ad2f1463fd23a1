# State files (issue 9).  unit.test_home: the home directory and its files as an operator or a
# failing disk may leave them (src/sdk/home.c, src/io/file.c).  unit.test_configcache: the
# cached network config and its controller's signatures (src/codec/configcache.c), alone and in
# a node that joins with a cache (memworld.c).
zt_add_test(test_home unit ${CMAKE_CURRENT_LIST_DIR}/test_home.c)
target_include_directories(test_home PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(test_home PRIVATE zt_sdk)

zt_add_test(test_configcache unit ${CMAKE_CURRENT_LIST_DIR}/test_configcache.c
            ${CMAKE_CURRENT_LIST_DIR}/memworld.c)
target_include_directories(test_configcache PRIVATE ${CMAKE_SOURCE_DIR}/tests)
