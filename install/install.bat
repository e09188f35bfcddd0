@echo off
rem pe-score: install the Excel add-in (ribbon button; worksheet functions when Excel allows).
rem All decisions are made by install\pe_install.py; this script only finds a Python to run it:
rem   1. the python.org embeddable package in the bundle's python folder (unpacked as a private Python),
rem   2. the py launcher, 3. "where python" outside WindowsApps, 4. Store Python (pe_install explains).
rem   install.bat            double-click: installs, then waits for a key
rem   install.bat --silent   for IT: no prompts; the exit code is the result (docs\excel.md)
chcp 65001 >nul
setlocal EnableExtensions
set "PI=%~dp0pe_install.py"
if not exist "%PI%" set "PI=%~dp0install\pe_install.py"
if not defined PE_SCORE_HOME set "PE_SCORE_HOME=%LOCALAPPDATA%\pe-score"
set "SILENT="
for %%A in (%*) do if /i "%%~A"=="--silent" set "SILENT=1"
set "PY="
set "EMBED="
for %%Z in ("%~dp0python\python-3*-embed-amd64.zip") do set "EMBED=%%~fZ"
if defined EMBED if not exist "%PE_SCORE_HOME%\python\python.exe" (
  echo 正在解压内置的 Python……
  mkdir "%PE_SCORE_HOME%\python" 2>nul
  tar -xf "%EMBED%" -C "%PE_SCORE_HOME%\python" 2>nul || powershell -NoProfile -Command "Expand-Archive -LiteralPath '%EMBED%' -DestinationPath '%PE_SCORE_HOME%\python' -Force"
)
if defined EMBED if not exist "%PE_SCORE_HOME%\python\python.exe" (
  echo 内置的 Python 解压失败："%EMBED%"
  echo 请确认压缩包完整，且可以写入 "%PE_SCORE_HOME%"。
  if not defined SILENT pause
  exit /b 4
)
if defined EMBED set "PY="%PE_SCORE_HOME%\python\python.exe""
if not defined PY where py >nul 2>nul && set "PY=py -3"
if not defined PY for /f "delims=" %%P in ('where python 2^>nul ^| findstr /v /i "\\WindowsApps\\"') do if not defined PY set "PY="%%P""
if not defined PY for /f "delims=" %%P in ('where python 2^>nul') do if not defined PY "%%P" -c "import sys" >nul 2>nul && set "PY="%%P""
if not defined PY (
  echo 没有找到可用的 Python。
  echo 如果在命令提示符中输入 python 会打开微软应用商店，那只是 Windows 自带的占位程序，并不是真正的 Python。
  echo 解决办法：请信息中心把 python.org 的“Windows embeddable package 64-bit”压缩包放进安装包的 python 文件夹；
  echo 或从 https://www.python.org/downloads/windows/ 安装 Python，安装时勾选“Add python.exe to PATH”，然后重新双击 install.bat。
  if not defined SILENT pause
  exit /b 4
)
%PY% "%PI%" install %*
set "RC=%ERRORLEVEL%"
if not defined SILENT pause
exit /b %RC%
