# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# Builds the Debian package once for the script tests that need it
# (tests/scripts/package_test.sh and nspawn_test.sh): a Release build with
# Debian's hardening flags and CMAKE_INSTALL_PREFIX=/usr, kept so that a
# second run is incremental, then `cpack -G DEB`. Tests running in parallel
# share it under a lock instead of building twice. Sets no shell options.
#
# deb_build_dir BUILD          where to build the package for the tests of BUILD
# deb_build SRC BUILD_DIR LOG_DIR
#   builds into BUILD_DIR (reused when it is already a suitable build) and
#   sets DEB_FILE (the .deb, inside BUILD_DIR/deb) and DEB_BUILD_DIR;
#   returns non-zero after printing the end of the failing log.

deb__cache_value() { sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt" 2>/dev/null; }

# True when DIR is a configured build that may be packaged.
deb__usable() {
  local dir=$1
  [ -f "$dir/CMakeCache.txt" ] || return 1
  case "$(deb__cache_value "$dir" EMBARGO_SANITIZE)" in
    ON | on | TRUE | true | 1 | YES | yes) return 1 ;;
  esac
  [ "$(deb__cache_value "$dir" CMAKE_INSTALL_PREFIX)" = /usr ]
}

deb__build_locked() {
  local src=$1 build=$2 log=$3
  if ! deb__usable "$build"; then
    echo "configuring a Release build in $build"
    # Debian's hardening flags, as a package build would use them; -O2 as in
    # Debian (GCC 12's -O3 reports false -Wrestrict positives). In a subshell:
    # the exported CFLAGS etc. must not leak into the caller.
    (
      launcher=()
      # ccache, when installed, makes the build cheap in a second work tree.
      if command -v ccache >/dev/null 2>&1; then
        launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
      fi
      eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh 2>/dev/null)" || true
      cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
        "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" \
        "-DCMAKE_CXX_FLAGS=${CPPFLAGS:-} ${CXXFLAGS:-}" \
        "-DCMAKE_EXE_LINKER_FLAGS=${LDFLAGS:-}" \
        -DCMAKE_INSTALL_PREFIX=/usr -DEMBARGO_SANITIZE=OFF -DEMBARGO_TESTS=OFF "${launcher[@]}"
    ) >"$log/configure.log" 2>&1 || {
      tail -40 "$log/configure.log"
      echo "FAIL: configure (log $log/configure.log)"
      return 1
    }
  fi
  echo "building in $build"
  cmake --build "$build" -j2 --target embargod embargoctl embargo_man >"$log/build.log" 2>&1 || {
    tail -40 "$log/build.log"
    echo "FAIL: build (log $log/build.log)"
    return 1
  }
  rm -rf "$build/deb"
  cpack -G DEB -B "$build/deb" --config "$build/CPackConfig.cmake" >"$log/cpack.log" 2>&1 || {
    cat "$log/cpack.log"
    echo "FAIL: cpack"
    return 1
  }
}

# deb_build_dir BUILD: BUILD itself when it is a build that may be packaged
# (Release-like, no sanitizer, prefix /usr), otherwise BUILD/deb-release.
deb_build_dir() {
  if deb__usable "$1"; then
    printf '%s\n' "$1"
  else
    printf '%s\n' "$1/deb-release"
  fi
}

deb_build() {
  local src=$1 build=$2 log=$3 rc=0 arch version
  mkdir -p "$build" "$log"
  # One build at a time per build directory (ctest -j runs tests in parallel).
  exec {deb_lock}>"$build.lock"
  flock "$deb_lock"
  deb__build_locked "$src" "$build" "$log" || rc=$?
  if [ "$rc" -eq 0 ]; then
    arch=$(dpkg --print-architecture)
    version=$(deb__cache_value "$build" CMAKE_PROJECT_VERSION)
    DEB_FILE=$build/deb/embargo_${version}_${arch}.deb
    DEB_BUILD_DIR=$build
    if [ ! -f "$DEB_FILE" ]; then
      ls -l "$build/deb"
      echo "FAIL: no $DEB_FILE"
      rc=1
    fi
  fi
  # A copy for the caller: the next test's cpack replaces $build/deb.
  if [ "$rc" -eq 0 ]; then
    cp "$DEB_FILE" "$log/"
    DEB_FILE=$log/$(basename "$DEB_FILE")
  fi
  flock -u "$deb_lock"
  exec {deb_lock}>&-
  return "$rc"
}
