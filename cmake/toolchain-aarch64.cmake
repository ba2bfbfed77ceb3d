# Cross build for aarch64 Linux (glibc) with Debian's gcc-aarch64-linux-gnu; programs run
# under qemu-aarch64. Prepare the host with .ci/install-cross, then
#   cmake -S . -B build-cross-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
# (tests/cross/README.md). The translator is built: libtcc:arm64 generates aarch64 code.
#
# Target libraries come from $MI_CROSS_ROOT/arm64 (default /opt/mi-cross/arm64: Debian
# arm64 packages unpacked by .ci/install-cross), the C library from libc6-dev-arm64-cross
# (/usr/aarch64-linux-gnu), which is also the root qemu runs programs in.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(MI_CROSS_TRIPLET aarch64-linux-gnu)

if(DEFINED ENV{MI_CROSS_ROOT})
  set(MI_CROSS_SYSROOT "$ENV{MI_CROSS_ROOT}/arm64")
else()
  set(MI_CROSS_SYSROOT "/opt/mi-cross/arm64")
endif()
if(NOT EXISTS "${MI_CROSS_SYSROOT}/usr/lib/${MI_CROSS_TRIPLET}/pkgconfig")
  message(FATAL_ERROR "${MI_CROSS_SYSROOT} holds no arm64 libraries: run .ci/install-cross as root")
endif()

set(CMAKE_C_COMPILER ${MI_CROSS_TRIPLET}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${MI_CROSS_TRIPLET})

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
# time) may add options, e.g. "-cpu max".
find_program(MI_QEMU qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${MI_QEMU};-L;/usr/${MI_CROSS_TRIPLET}")
if(DEFINED ENV{MI_QEMU_FLAGS})
  separate_arguments(_mi_qemu_flags UNIX_COMMAND "$ENV{MI_QEMU_FLAGS}")
  list(APPEND CMAKE_CROSSCOMPILING_EMULATOR ${_mi_qemu_flags})
endif()

# tcc's run-time helpers (__multf3 and friends for binary128 long double), should generated
# code ever need them: tcc:arm64's libtcc1.a, unpacked beside the libraries.
set(MI_CROSS_LIBTCC1 "${MI_CROSS_SYSROOT}/usr/lib/${MI_CROSS_TRIPLET}/tcc/libtcc1.a")

# The Debian version of the unpacked libtcc-dev (dpkg does not own it, so the translator's
# CMakeLists cannot ask dpkg): it goes into the host fingerprint.
file(STRINGS "${MI_CROSS_SYSROOT}/.packages" _mi_tcc_pkg REGEX "^libtcc-dev:arm64=")
string(REGEX REPLACE "^libtcc-dev:arm64=" "" MI_CROSS_LIBTCC_VERSION "${_mi_tcc_pkg}")
