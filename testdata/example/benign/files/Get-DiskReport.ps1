<#
.SYNOPSIS
Reports free disk space on file servers; run weekly by IT operations.
#>
param([string[]]$Servers = @('FS01', 'FS02'))
$ErrorActionPreference = 'Stop'
$report = foreach ($s in $Servers) {
    Get-CimInstance -ComputerName $s -ClassName Win32_LogicalDisk -Filter 'DriveType=3' |
        Select-Object @{n='Server';e={$s}}, DeviceID, @{n='FreeGB';e={[math]::Round($_.FreeSpace/1GB,1)}}
}
$report | Export-Csv -NoTypeInformation -Path "\\FS01\IT$\reports\disk-$(Get-Date -Format yyyyMMdd).csv"
Invoke-WebRequest -UseBasicParsing -Method Post -Uri 'https://itops.corvid.example/hooks/disk' -Body ($report | ConvertTo-Json)
