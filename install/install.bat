@echo off
rem pe-score: install the Excel add-in (ribbon + worksheet functions). Logic: install\pe_install.py
chcp 65001 >nul
setlocal
cd /d "%~dp0.."
set "PY="
where py >nul 2>nul && set "PY=py -3"
if not defined PY where python >nul 2>nul && set "PY=python"
if not defined PY (
  echo 未找到 Python。请从 https://www.python.org/downloads/ 下载安装 Python 3.10 或更高版本
  echo （安装时勾选 "Add python.exe to PATH"），然后重新双击 install.bat。
  pause
  exit /b 1
)
%PY% "%~dp0pe_install.py" install %*
set "RC=%ERRORLEVEL%"
pause
exit /b %RC%
