#!/usr/bin/env bash
# Regenerates Sources/Engine/Proto/onnx.pb.swift from proto/onnx.proto.
# Needs protoc (apt-get install protobuf-compiler) and builds swift-protobuf's plugin once (about a minute)
# from the same package version that Package.swift depends on.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin_dir=${PLUGIN_DIR:-.build-protoc-plugin}
if [ ! -x "$plugin_dir/.build/release/protoc-gen-swift" ]; then
  rm -rf "$plugin_dir"
  git clone -q https://github.com/apple/swift-protobuf.git "$plugin_dir"
  git -C "$plugin_dir" checkout -q 1.39.0
  (cd "$plugin_dir" && swift build -c release --product protoc-gen-swift)
fi
mkdir -p Sources/Engine/Proto
protoc --plugin=protoc-gen-swift="$plugin_dir/.build/release/protoc-gen-swift" \
  --swift_opt=Visibility=Public --swift_out=Sources/Engine/Proto -Iproto proto/onnx.proto
echo "wrote Sources/Engine/Proto/onnx.pb.swift"
