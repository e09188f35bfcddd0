#!/bin/bash
# pe-score: install the Excel add-in on macOS (ribbon button only: xlwings UDFs are Windows-only).
# Logic lives in install/pe_install.py; this only finds a Python 3.11+.
HERE="$(cd "$(dirname "$0")" && pwd)"
PI="$HERE/pe_install.py"; [ -f "$PI" ] || PI="$HERE/install/pe_install.py"
PY=""
for cand in python3.13 python3.12 python3.11 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    PY="$cand"; break
  fi
done
if [ -z "$PY" ]; then
  echo "未找到 Python 3.11 或更高版本。请从 https://www.python.org/downloads/ 下载安装后，重新双击 install.command。"
  read -r -p "按回车键退出" _
  exit 4
fi
"$PY" "$PI" install "$@"
RC=$?
case " $* " in *" --silent "*) ;; *) read -r -p "按回车键退出" _ ;; esac
exit $RC
