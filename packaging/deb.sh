#!/bin/sh
# Builds the Debian package with cargo-deb: $CARGO_TARGET_DIR/debian/ringback_VERSION_ARCH.deb
# (target/ by default), holding
# the binary in /usr/bin, the systemd user unit in /usr/lib/systemd/user (its ExecStart
# pointing there, not at ~/.cargo/bin), the man page, and bash, zsh and fish completions.
# Installs cargo-deb (with cargo) when it is missing. Then: sudo dpkg -i target/debian/*.deb
set -eu
cd "$(dirname "$0")/.."

if ! command -v cargo-deb >/dev/null 2>&1; then
    echo "installing cargo-deb"
    cargo install cargo-deb --locked --version 3.8.0
fi

target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked
bin=$target/release/ringback
# Under target/release, which cargo-deb maps to whatever target folder is in use.
assets=$target/release/deb-assets
rm -rf "$assets"
mkdir -p "$assets"
# Generated from the binary being packaged, so they match its command line.
"$bin" man | gzip -9n > "$assets/ringback.1.gz"
"$bin" completions bash > "$assets/ringback"
"$bin" completions zsh > "$assets/_ringback"
"$bin" completions fish > "$assets/ringback.fish"
# The packaged unit runs the packaged binary; the repository's copy is for `cargo install`.
sed -e 's|^ExecStart=%h/.cargo/bin/ringback run$|ExecStart=/usr/bin/ringback run|' \
    -e '/^#   cargo install --path . --locked$/d' \
    -e 's|^#   install -Dm644 systemd/ringback.service ~/.config/systemd/user/ringback.service$|#   (installed by the ringback package)|' \
    systemd/ringback.service > "$assets/ringback.service"
grep -q '^ExecStart=/usr/bin/ringback run$' "$assets/ringback.service"

cargo deb --no-build --locked
ls -l "$target"/debian/*.deb
