"""Try the add-in on this PC: HTTPS on 127.0.0.1, anonymous (nobody else can reach it).

    python server/trial.py [--port 8443] [--workers 1]

Makes a self-signed certificate on first use (server/certs/), then runs xlwings Server with
uvicorn. Load https://localhost:8443/manifest.xml in Excel (README, docs/server.md). For several
users use a deployment (docs/server.md): a trial accepts no other PC and asks nobody to sign in.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="在本机试用绩效评分加载项（HTTPS，仅限 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE))
    from make_cert import CERTS, make_cert

    cert, key = CERTS / "cert.pem", CERTS / "key.pem"
    if not (cert.exists() and key.exists()):
        cert, key = make_cert()
        print(f"已生成自签名证书 {cert}；请按 docs/server.md 把它加入受信任的根证书。")
    # Chosen by running the trial: one PC, loopback only. Licence: free for government institutions.
    os.environ["PE_AUTH"] = "anonymous"
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    print(f"清单（manifest）地址：https://localhost:{args.port}/manifest.xml  按 Ctrl+C 停止。")

    import uvicorn

    uvicorn.run("app:app", app_dir=str(HERE), host="127.0.0.1", port=args.port, workers=args.workers,
                ssl_certfile=str(cert), ssl_keyfile=str(key), log_level="info")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
