# lwIP 2.1.3 as the static library zt_lwip: upstream sources from the tree that
# scripts/fetch-lwip.sh unpacks from Debian's `lwip` source package, compiled with our
# lwipopts.h and our pthread port (src/stack/, docs/internals/stack.md).
#
# The tree lives once per checkout, at build/_deps/lwip, for every build directory
# (build/asan, build/release, build/fuzz); ZT_LWIP_SRC may point elsewhere.
if(DEFINED ZT_BUILD_LWIP AND NOT ZT_BUILD_LWIP)
  return()
endif()

get_filename_component(_zt_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(_zt_lwip_shared "${_zt_root}/build/_deps/lwip")
if(NOT DEFINED ZT_LWIP_SRC OR NOT EXISTS "${ZT_LWIP_SRC}/.zt-ok")
  if(EXISTS "${_zt_lwip_shared}/.zt-ok" OR NOT DEFINED ZT_LWIP_SRC)
    set(ZT_LWIP_SRC "${_zt_lwip_shared}" CACHE PATH "Unpacked lwIP 2.1.3 source tree" FORCE)
  endif()
endif()

if(NOT EXISTS "${ZT_LWIP_SRC}/.zt-ok" OR NOT EXISTS "${ZT_LWIP_SRC}/src/include/lwip/opt.h")
  message(FATAL_ERROR
    "lwIP source not found (looked in ${ZT_LWIP_SRC} and ${_zt_lwip_shared}).\n"
    "Run scripts/setup.sh (it fetches and checks Debian's lwip source package into "
    "build/_deps/lwip), or set ZT_LWIP_SRC to an unpacked tree made by scripts/fetch-lwip.sh.")
endif()
file(READ "${ZT_LWIP_SRC}/.zt-ok" _zt_lwip_stamp)
if(NOT _zt_lwip_stamp MATCHES "^lwip 2\\.1\\.3")
  message(FATAL_ERROR
    "${ZT_LWIP_SRC} holds '${_zt_lwip_stamp}', not lwIP 2.1.3: run scripts/setup.sh again.")
endif()

message(STATUS "lwIP: ${ZT_LWIP_SRC}")
# Re-configure when scripts/fetch-lwip.sh replaces the tree.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${ZT_LWIP_SRC}/.zt-ok")

find_package(Threads REQUIRED)

set(_zt_lwip_dir "${ZT_LWIP_SRC}/src")
set(_zt_lwip_sources
  # core
  ${_zt_lwip_dir}/core/init.c
  ${_zt_lwip_dir}/core/def.c
  ${_zt_lwip_dir}/core/dns.c
  ${_zt_lwip_dir}/core/inet_chksum.c
  ${_zt_lwip_dir}/core/ip.c
  ${_zt_lwip_dir}/core/mem.c
  ${_zt_lwip_dir}/core/memp.c
  ${_zt_lwip_dir}/core/netif.c
  ${_zt_lwip_dir}/core/pbuf.c
  ${_zt_lwip_dir}/core/raw.c
  ${_zt_lwip_dir}/core/stats.c
  ${_zt_lwip_dir}/core/sys.c
  ${_zt_lwip_dir}/core/tcp.c
  ${_zt_lwip_dir}/core/tcp_in.c
  ${_zt_lwip_dir}/core/tcp_out.c
  ${_zt_lwip_dir}/core/timeouts.c
  ${_zt_lwip_dir}/core/udp.c
  # IPv4 with ARP and IGMP (DHCP/AutoIP are off in lwipopts.h)
  ${_zt_lwip_dir}/core/ipv4/etharp.c
  ${_zt_lwip_dir}/core/ipv4/icmp.c
  ${_zt_lwip_dir}/core/ipv4/igmp.c
  ${_zt_lwip_dir}/core/ipv4/ip4.c
  ${_zt_lwip_dir}/core/ipv4/ip4_addr.c
  ${_zt_lwip_dir}/core/ipv4/ip4_frag.c
  # IPv6 with ND6 and MLD (DHCPv6 is off)
  ${_zt_lwip_dir}/core/ipv6/ethip6.c
  ${_zt_lwip_dir}/core/ipv6/icmp6.c
  ${_zt_lwip_dir}/core/ipv6/inet6.c
  ${_zt_lwip_dir}/core/ipv6/ip6.c
  ${_zt_lwip_dir}/core/ipv6/ip6_addr.c
  ${_zt_lwip_dir}/core/ipv6/ip6_frag.c
  ${_zt_lwip_dir}/core/ipv6/mld6.c
  ${_zt_lwip_dir}/core/ipv6/nd6.c
  # sequential and socket APIs, tcpip_thread
  ${_zt_lwip_dir}/api/api_lib.c
  ${_zt_lwip_dir}/api/api_msg.c
  ${_zt_lwip_dir}/api/err.c
  ${_zt_lwip_dir}/api/if_api.c
  ${_zt_lwip_dir}/api/netbuf.c
  ${_zt_lwip_dir}/api/netdb.c
  ${_zt_lwip_dir}/api/netifapi.c
  ${_zt_lwip_dir}/api/sockets.c
  ${_zt_lwip_dir}/api/tcpip.c
  # Ethernet framing for our virtual netifs
  ${_zt_lwip_dir}/netif/ethernet.c
)
set(_zt_lwip_port "${_zt_root}/src/stack/arch/sys_arch.c" "${_zt_root}/src/stack/lwiphooks.c"
                  "${_zt_root}/src/stack/tcp_recovery.c")

add_library(zt_lwip STATIC ${_zt_lwip_sources} ${_zt_lwip_port})
set_target_properties(zt_lwip PROPERTIES
  POSITION_INDEPENDENT_CODE ON      # linked into libzt.so later
  # Default visibility: DevilutionX calls lwIP directly (api.md 10.3), so libzt.so
  # exports lwIP's public API; cmake/libzt.map (the version script) decides which names.
  C_VISIBILITY_PRESET default)
# lwipopts.h is found as "lwipopts.h" and the port as "arch/cc.h", "arch/sys_arch.h".
target_include_directories(zt_lwip PUBLIC "${_zt_lwip_dir}/include" "${_zt_root}/src/stack")
# Same libc view as our code (cc.h needs POSIX; see the comment there).
target_compile_definitions(zt_lwip PRIVATE _GNU_SOURCE)
target_link_libraries(zt_lwip PUBLIC Threads::Threads)

# lwIP is third-party: no warnings, and never -Werror.  The port is ours: our warnings.
set_source_files_properties(${_zt_lwip_sources} PROPERTIES COMPILE_OPTIONS "-w")
if(DEFINED ZT_WARNINGS)
  set_source_files_properties(${_zt_lwip_port} PROPERTIES COMPILE_OPTIONS "${ZT_WARNINGS}")
endif()
