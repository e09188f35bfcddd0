@echo off
rem pe-score: remove what install.bat added (the add-in in XLSTART, the install folder), nothing else.
rem Logic: install\pe_install.py uninstall (it reads the install folder's install.json).
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
if not defined PY where py >nul 2>nul && set "PY=py -3"
if not defined PY for /f "delims=" %%P in ('where python 2^>nul ^| findstr /v /i "\\WindowsApps\\"') do if not defined PY set "PY="%%P""
if not defined PY (
  echo 没有找到 Python，无法自动卸载。请关闭 Excel 后手动删除：
  echo   %%APPDATA%%\Microsoft\Excel\XLSTART\addin.xlam
  echo   "%PE_SCORE_HOME%"
  if not defined SILENT pause
  exit /b 1
)
%PY% "%PI%" uninstall %*
set "RC=%ERRORLEVEL%"
if not defined SILENT pause
exit /b %RC%
