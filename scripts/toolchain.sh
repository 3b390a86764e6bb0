# Puts Node 24 LTS and the pinned pnpm first on PATH. Source it (bash or zsh):
#
#   source scripts/toolchain.sh
#
# When the machine's `node` is already 24.x and `pnpm` is the pinned version, it changes nothing. Otherwise it
# installs what is missing from the npm registry (the `node` package ships the official Node binary; no other
# download) into a cache folder outside the repository, $TRANSMIT_EDGE_TOOLS or ~/.cache/transmit-edge, and puts
# it first on PATH for this shell. It also installs Node 22 there and names it in TRANSMIT_EDGE_NODE22, for the
# release check that runs the packed tarballs on the oldest supported Node line. The versions are recorded, with
# their reasons, in the README ("Developing").

TE_NODE_VERSION=24.21.0
# The oldest Node line the published packages support (their `engines` floor); the tarball release check runs on it.
TE_NODE22_VERSION=22.23.3
TE_PNPM_VERSION=11.28.10

te_tools="${TRANSMIT_EDGE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/transmit-edge}"

# te_install NAME VERSION BIN: installs NAME@VERSION into its own folder under $te_tools unless BIN (a path inside
# that folder) is already there; prints the folder.
te_install() {
  local dir="$te_tools/$1-$2"
  if [ ! -x "$dir/$3" ]; then
    echo "toolchain: installing $1@$2 into $dir" >&2
    mkdir -p "$dir"
    # The `node` package's install script only links the binary; the binary itself is in the package.
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$1@$2" >/dev/null ||
      { echo "toolchain: could not install $1@$2" >&2; return 1; }
  fi
  echo "$dir"
}

te_ok=1
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" != "24" ]; then
  te_dir="$(te_install node "$TE_NODE_VERSION" node_modules/node/bin/node)" &&
    export PATH="$te_dir/node_modules/node/bin:$PATH" || te_ok=0
fi
if [ "$(pnpm --version 2>/dev/null || true)" != "$TE_PNPM_VERSION" ]; then
  te_dir="$(te_install pnpm "$TE_PNPM_VERSION" node_modules/.bin/pnpm)" &&
    export PATH="$te_dir/node_modules/.bin:$PATH" || te_ok=0
fi
te_dir="$(te_install node "$TE_NODE22_VERSION" node_modules/node/bin/node)" &&
  export TRANSMIT_EDGE_NODE22="$te_dir/node_modules/node/bin/node" || te_ok=0

unset -f te_install
unset te_tools te_dir
[ "$te_ok" = 1 ] || { unset te_ok; return 1 2>/dev/null || exit 1; }
unset te_ok
