# ASan + UBSan for the dev preset; applied through cronium_options so third-party code is untouched.
if(CRONIUM_SANITIZE)
  target_compile_options(cronium_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(cronium_options INTERFACE -fsanitize=address,undefined)
endif()
