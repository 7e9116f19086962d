echo 'TAP version 14'
echo '1..4'
echo 'ok 1 - first'
echo 'ok 2 - second'
exit 0
