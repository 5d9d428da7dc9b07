# Sourced by main.sh and test.sh: installs the Debian packages that are
# missing (and only those), with sudo only when not already root.
xipc_require_packages() {
  # Elsewhere than Debian (a Mac with Homebrew, say) the packages are the caller's to install.
  if ! command -v dpkg-query >/dev/null; then
    return 0
  fi
  local missing=()
  local package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "xipc: installing ${missing[*]}"
  $sudo apt-get update -qq
  # XIPC_APT_RECOMMENDS=1 installs what the packages recommend too (Wine, as known to work here).
  local recommends=--no-install-recommends
  [ "${XIPC_APT_RECOMMENDS:-0}" = 1 ] && recommends=--install-recommends
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$recommends" "${missing[@]}"
}

# What building xipc, its examples and xipc-bench needs.
xipc_build_packages=(cmake ninja-build g++ libboost-dev libfmt-dev libgtest-dev libbenchmark-dev)
