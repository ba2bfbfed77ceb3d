# Cross build for s390x Linux (glibc; big-endian) with Debian's gcc-s390x-linux-gnu;
# programs run under qemu-s390x. Prepare the host with .ci/install-cross, then
#   cmake -S . -B build-cross-s390x -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-s390x.cmake
# (tests/cross/README.md). libtcc has no s390x back end: MI_WITH_TCC is forced OFF, so
# `mi` always interprets; that this gives the same results proves nothing in MI depends on
# the host's byte order.
#
# Target libraries come from $MI_CROSS_ROOT/s390x (default /opt/mi-cross/s390x: Debian
# s390x packages unpacked by .ci/install-cross), the C library from libc6-dev-s390x-cross
# (/usr/s390x-linux-gnu), which is also the root qemu runs programs in.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(MI_CROSS_TRIPLET s390x-linux-gnu)

if(DEFINED ENV{MI_CROSS_ROOT})
  set(MI_CROSS_SYSROOT "$ENV{MI_CROSS_ROOT}/s390x")
else()
  set(MI_CROSS_SYSROOT "/opt/mi-cross/s390x")
endif()
if(NOT EXISTS "${MI_CROSS_SYSROOT}/usr/lib/${MI_CROSS_TRIPLET}/pkgconfig")
  message(FATAL_ERROR "${MI_CROSS_SYSROOT} holds no s390x libraries: run .ci/install-cross as root")
endif()

set(CMAKE_C_COMPILER ${MI_CROSS_TRIPLET}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${MI_CROSS_TRIPLET})
set(MI_WITH_TCC OFF CACHE BOOL "libtcc cannot target s390x" FORCE)

# Look for libraries and headers only in the target folders, never the host's; but run the
# host's tools (pkg-config, sh).
set(CMAKE_FIND_ROOT_PATH "${MI_CROSS_SYSROOT}" /usr/${MI_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The host's pkg-config reading the target's .pc files; their /usr paths are prefixed
# with the target folder.
set(ENV{PKG_CONFIG_LIBDIR} "${MI_CROSS_SYSROOT}/usr/lib/${MI_CROSS_TRIPLET}/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${MI_CROSS_SYSROOT}")
unset(ENV{PKG_CONFIG_PATH})

# The shared libraries are found at run time through the binaries' RUNPATH (qemu opens a
# guest path inside -L's root first, then on the host as given).
set(CMAKE_BUILD_RPATH "${MI_CROSS_SYSROOT}/usr/lib/${MI_CROSS_TRIPLET}")

# ctest runs target executables through qemu. MI_QEMU_FLAGS (environment, at configure
# time) may add options.
find_program(MI_QEMU qemu-s390x REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${MI_QEMU};-L;/usr/${MI_CROSS_TRIPLET}")
if(DEFINED ENV{MI_QEMU_FLAGS})
  separate_arguments(_mi_qemu_flags UNIX_COMMAND "$ENV{MI_QEMU_FLAGS}")
  list(APPEND CMAKE_CROSSCOMPILING_EMULATOR ${_mi_qemu_flags})
endif()
