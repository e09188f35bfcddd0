@echo off
rem pe-score: remove the Excel add-in and its Python environment. Logic: install\pe_install.py
chcp 65001 >nul
setlocal
cd /d "%~dp0.."
set "PY="
where py >nul 2>nul && set "PY=py -3"
if not defined PY where python >nul 2>nul && set "PY=python"
if not defined PY (
  echo 未找到 Python，无法自动卸载。请手动删除 %%APPDATA%%\Microsoft\Excel\XLSTART\addin.xlam
  echo 和 %%LOCALAPPDATA%%\pe-score 文件夹。
  pause
  exit /b 1
)
%PY% "%~dp0pe_install.py" uninstall %*
set "RC=%ERRORLEVEL%"
pause
exit /b %RC%
