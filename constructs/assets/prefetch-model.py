# The prefetch Job of a shared model cache (constructs/model-prefetch-job.ts): list the repo's files at the
# revision with their sizes and hashes, download exactly those that match ALLOW and not IGNORE (fnmatch), log bytes
# done and the rate every 30 s, verify every file (LFS files by sha256, others by size and git blob id), then create
# the model's writable compile-cache folders (WRITABLE_DIRS). Run with python3 -c by the pinned vLLM image, which
# ships huggingface_hub. A claim it cannot write (fsGroup ignored by the storage driver) ends in one clear message.
import fnmatch, hashlib, json, os, sys, threading, time
from huggingface_hub import HfApi, snapshot_download

UID = os.getuid()


def main():
    repo, rev = os.environ["MODEL"], os.environ["REVISION"]
    allow, ignore = json.loads(os.environ["ALLOW"]), json.loads(os.environ["IGNORE"])
    cache = os.environ["HF_HUB_CACHE"]
    info = HfApi().model_info(repo, revision=rev, files_metadata=True)
    files = [s for s in info.siblings if any(fnmatch.fnmatch(s.rfilename, p) for p in allow) and not any(fnmatch.fnmatch(s.rfilename, p) for p in ignore)]
    if not any(s.rfilename.endswith(".safetensors") for s in files):
        sys.exit("prefetch: no safetensors files in " + repo + "@" + rev + " match " + json.dumps(allow))
    total = sum(s.size or 0 for s in files)
    print(f"prefetch {repo}@{rev}: {len(files)} files, {total} bytes", flush=True)
    blobs = os.path.join(cache, "models--" + repo.replace("/", "--"), "blobs")

    def on_disk():
        return sum(e.stat().st_size for e in os.scandir(blobs)) if os.path.isdir(blobs) else 0

    start, first = time.monotonic(), on_disk()
    done = threading.Event()

    def progress():
        while not done.wait(30):
            got, took = on_disk(), time.monotonic() - start
            print(f"prefetch {repo}: {got} of {total} bytes, {(got - first) / took / 1e6:.1f} MB/s", flush=True)

    threading.Thread(target=progress, daemon=True).start()
    path = snapshot_download(repo, revision=rev, allow_patterns=[s.rfilename for s in files])
    done.set()
    took = max(time.monotonic() - start, 1e-3)
    print(f"prefetch {repo}: downloaded {on_disk() - first} bytes in {took:.0f} s, {(on_disk() - first) / took / 1e6:.1f} MB/s", flush=True)

    bad = []
    for s in files:
        local = os.path.join(path, s.rfilename)
        size = os.path.getsize(local)
        if s.size is not None and size != s.size:
            bad.append(f"{s.rfilename}: {size} bytes, expected {s.size}")
            continue
        if s.lfs is not None:
            h = hashlib.sha256()
        else:
            h = hashlib.sha1(b"blob " + str(size).encode() + b"\0")
        with open(local, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 24), b""):
                h.update(chunk)
        expected = s.lfs.sha256 if s.lfs is not None else s.blob_id
        if expected and h.hexdigest() != expected:
            bad.append(f"{s.rfilename}: hash {h.hexdigest()}, expected {expected}")
    if bad:
        sys.exit("prefetch: verification failed: " + "; ".join(bad))
    for d in json.loads(os.environ["WRITABLE_DIRS"]):
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o2775)
    print(f"prefetch {repo}@{rev}: verified {len(files)} files, {total} bytes", flush=True)


try:
    main()
except PermissionError as e:
    sys.exit(
        f"prefetch: cannot write {e.filename} as uid {UID}: {e.strerror}. The Job relies on fsGroup to make the claim"
        " writable, and many ReadWriteMany CSI drivers ignore it (CSIDriver fsGroupPolicy ReadWriteOnceWithFSType;"
        " csi-driver-nfs creates root-owned 0755 folders). Give the storage class a writable root: csi-driver-nfs"
        ' parameter mountPermissions "0777", an EFS access point with uid/gid ' + str(UID) + ", or an existing claim"
        " whose root this uid can write."
    )
