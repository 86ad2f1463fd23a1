# Warnings for our own code only (third-party code such as lwIP gets its own, quieter set).
set(ZT_WARNINGS -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion
    -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla)
if(ZT_WERROR)
  list(APPEND ZT_WARNINGS -Werror)
endif()

# zt_target_defaults(<target>): our warnings, hidden visibility, include root.
function(zt_target_defaults tgt)
  target_compile_options(${tgt} PRIVATE ${ZT_WARNINGS})
  set_target_properties(${tgt} PROPERTIES C_VISIBILITY_PRESET hidden)
  target_compile_definitions(${tgt} PRIVATE _GNU_SOURCE)
  # PROJECT_SOURCE_DIR (this tree), which differs from CMAKE_SOURCE_DIR under FetchContent.
  target_include_directories(${tgt} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
endfunction()
