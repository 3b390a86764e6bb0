# Puts Node 24 LTS and the pinned pnpm first on PATH. Source it (bash or zsh):
#
#   source scripts/toolchain.sh
#
# When the machine's `node` is already 24.x and `pnpm` is the pinned version, it changes nothing. Otherwise it
# installs what is missing from the npm registry (the `node` package ships the official Node binary; no other
# download) into a cache folder outside the repository, $TRANSMIT_EDGE_TOOLS or ~/.cache/transmit-edge, and puts
# it first on PATH for this shell. It also installs Node 22 there and names it in TRANSMIT_EDGE_NODE22, for the
# release check that runs the packed tarballs on the oldest supported Node line. The versions are recorded, with their reasons, in the README ("Developing").

TE_NODE_VERSION=24.21.0
# The oldest Node line the published packages support (their `engines` floor); the tarball release check runs on it.
TE_NODE22_VERSION=22.23.3
TE_PNPM_VERSION=11.28.10

te_tools="${TRANSMIT_EDGE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/transmit-edge}"

te_node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$te_node_major" != "24" ]; then
  te_node_dir="$te_tools/node-$TE_NODE_VERSION"
  if [ ! -x "$te_node_dir/node_modules/node/bin/node" ]; then
    echo "toolchain: installing node@$TE_NODE_VERSION into $te_node_dir (the machine has node $(node --version 2>/dev/null || echo none))" >&2
    mkdir -p "$te_node_dir"
    # The `node` package's install script only links the binary; the binary itself is in the package.
    npm install --prefix "$te_node_dir" --no-audit --no-fund --loglevel=error "node@$TE_NODE_VERSION" >/dev/null ||
      { echo "toolchain: could not install node@$TE_NODE_VERSION" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$te_node_dir/node_modules/node/bin:$PATH"
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$TE_PNPM_VERSION" ]; then
  te_pnpm_dir="$te_tools/pnpm-$TE_PNPM_VERSION"
  if [ ! -x "$te_pnpm_dir/node_modules/.bin/pnpm" ]; then
    echo "toolchain: installing pnpm@$TE_PNPM_VERSION into $te_pnpm_dir" >&2
    mkdir -p "$te_pnpm_dir"
    npm install --prefix "$te_pnpm_dir" --no-audit --no-fund --loglevel=error "pnpm@$TE_PNPM_VERSION" >/dev/null ||
      { echo "toolchain: could not install pnpm@$TE_PNPM_VERSION" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$te_pnpm_dir/node_modules/.bin:$PATH"
fi

te_node22_dir="$te_tools/node-$TE_NODE22_VERSION"
if [ ! -x "$te_node22_dir/node_modules/node/bin/node" ]; then
  echo "toolchain: installing node@$TE_NODE22_VERSION into $te_node22_dir (for the tarball release check)" >&2
  mkdir -p "$te_node22_dir"
  npm install --prefix "$te_node22_dir" --no-audit --no-fund --loglevel=error "node@$TE_NODE22_VERSION" >/dev/null ||
    { echo "toolchain: could not install node@$TE_NODE22_VERSION" >&2; return 1 2>/dev/null || exit 1; }
fi
export TRANSMIT_EDGE_NODE22="$te_node22_dir/node_modules/node/bin/node"

unset te_node22_dir te_tools te_node_major te_node_dir te_pnpm_dir
