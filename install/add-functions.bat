@echo off
rem pe-score: add the worksheet functions (=PE_SCORE ...) to the installed add-in, once Excel's
rem "Trust access to the VBA project object model" is on. Logic: install\pe_install.py add-functions
chcp 65001 >nul
setlocal EnableExtensions
set "PI=%~dp0pe_install.py"
if not exist "%PI%" set "PI=%~dp0install\pe_install.py"
if not defined PE_SCORE_HOME set "PE_SCORE_HOME=%LOCALAPPDATA%\pe-score"
set "SILENT="
for %%A in (%*) do if /i "%%~A"=="--silent" set "SILENT=1"
set "PY="
if exist "%PE_SCORE_HOME%\python\python.exe" set "PY="%PE_SCORE_HOME%\python\python.exe""
if not defined PY if exist "%PE_SCORE_HOME%\venv\Scripts\python.exe" set "PY="%PE_SCORE_HOME%\venv\Scripts\python.exe""
if not defined PY (
  echo 还没有安装 pe-score：请先双击 install.bat。
  if not defined SILENT pause
  exit /b 1
)
%PY% "%PI%" add-functions %*
set "RC=%ERRORLEVEL%"
if not defined SILENT pause
exit /b %RC%
