#!/bin/sh
# The plexd-hook image's base, distroless-shaped (glibc, CA certificates, time zones, user nonroot
# 65532, no shell), assembled from the Debian packages pinned in packages.txt. Both scripts/image.ts
# and the Dockerfile run this script, so both give the same file tree.
#   rootfs.sh download ARCH DEBDIR      fetch the pinned .debs for ARCH (amd64|arm64), checking SHA-256
#   rootfs.sh assemble ARCH DEBDIR OUT  unpack them into OUT and add what their install scripts would
set -eu
umask 022
here=$(cd "$(dirname "$0")" && pwd)

# The pins for one architecture: "name version arch sha256" lines, "all" packages included.
pins() { grep -v '^#' "$here/packages.txt" | awk -v arch="$1" 'NF == 4 && ($3 == arch || $3 == "all")'; }

download() {
  mkdir -p "$2"
  pins "$1" | while read -r name version arch sha; do
    file="$2/${name}_${version}_${arch}.deb"
    if [ -f "$file" ] && echo "$sha  $file" | sha256sum --check --status; then continue; fi
    spec="$name=$version"
    [ "$arch" = all ] || spec="$name:$arch=$version"
    # Into a directory of its own, then renamed: two builds may share the cache.
    tmp=$(mktemp -d "$2/.download.XXXXXX")
    (cd "$tmp" && apt-get download -qq "$spec" 2>/dev/null) || {
      rm -rf "$tmp"
      echo "rootfs.sh: apt-get download $spec failed (for arm64: dpkg --add-architecture arm64 && apt-get update)" >&2
      exit 1
    }
    got="$tmp/$(basename "$file")"
    echo "$sha  $got" | sha256sum --check --status || {
      rm -rf "$tmp"
      echo "rootfs.sh: $spec does not have the SHA-256 packages.txt pins" >&2
      exit 1
    }
    mv "$got" "$file"
    rm -rf "$tmp"
  done
}

assemble() {
  out=$3
  rm -rf "$out"
  mkdir -p "$out"
  pins "$1" | while read -r name version arch sha; do
    dpkg-deb --extract "$2/${name}_${version}_${arch}.deb" "$out"
  done
  # Only what a program without a shell uses; copyright files stay.
  rm -rf "$out/usr/sbin" "$out/usr/share/lintian" "$out/usr/share/man" "$out/etc/ca-certificates"
  find "$out/usr/share/doc" -type f ! -name copyright -exec rm -f {} +
  # What the packages' install scripts would have written.
  mkdir -p "$out/etc/ssl/certs"
  find "$out/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | while read -r cert; do
    cat "$cert"
    [ -z "$(tail -c 1 "$cert")" ] || echo
  done >"$out/etc/ssl/certs/ca-certificates.crt"
  ln -s /usr/share/zoneinfo/Etc/UTC "$out/etc/localtime"
  echo Etc/UTC >"$out/etc/timezone"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$out/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' >"$out/etc/group"
  echo 'hosts: files dns' >"$out/etc/nsswitch.conf"
  mkdir -p "$out/home/nonroot" "$out/root" "$out/tmp"
  chmod 0700 "$out/root"
  chmod 1777 "$out/tmp"
}

case "${1:-}" in
download) download "$2" "$3" ;;
assemble) assemble "$2" "$3" "$4" ;;
*)
  echo "usage: rootfs.sh download ARCH DEBDIR | assemble ARCH DEBDIR OUT" >&2
  exit 2
  ;;
esac
