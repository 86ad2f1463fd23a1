# fuzz_controller: NETWORK_CONFIG_REQUEST handling by the controller (src/controller).
zt_add_fuzz_harness(controller zt_controller)
