#!/bin/bash
# pe-score: remove what install.command added. Logic: install/pe_install.py uninstall
HERE="$(cd "$(dirname "$0")" && pwd)"
PI="$HERE/pe_install.py"; [ -f "$PI" ] || PI="$HERE/install/pe_install.py"
PY="$HOME/Library/Application Support/pe-score/venv/bin/python"
[ -x "$PY" ] || PY="$(command -v python3)"
"$PY" "$PI" uninstall "$@"
RC=$?
read -r -p "按回车键退出" _
exit $RC
