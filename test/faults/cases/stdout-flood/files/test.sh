# 100 MB of lines that are not TAP (TAP 14 ignores them), then the plan and its asserts.
echo 'TAP version 14'
yes 'stdout-flood: not TAP, to be ignored by the parser ...........................................' | head -c 104857600
echo
echo '1..2'
echo 'ok 1 - survived 100 MB of stdout'
echo 'ok 2 - still framed'
