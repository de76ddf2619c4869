# dpsec-cli under valgrind (tests/valgrind/meson.build): SAs on the NIC and
# in software, policies, forwarding with a move and a rekey, TLS contexts
# on the NIC and in software with the TLS echo, faults, then quit.
sa add out 4096 aead_algo aes-128-gcm aead_key 4c:80:cd:ef:bb:5d:10:da:90:6a:c7:3c:36:13:a6:34:ca:fe:ba:be mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1 type inline-protocol-offload port_id 0 esn reqid 7
sa add in 4096 aead_algo aes-128-gcm aead_key 4c:80:cd:ef:bb:5d:10:da:90:6a:c7:3c:36:13:a6:34:ca:fe:ba:be mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1 type inline-crypto-offload port_id 1 esn replay_window 1024 reqid 7
sa add in 4097 cipher_algo aes-128-cbc cipher_key 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f auth_algo sha256-hmac auth_key 20:21:22:23:24:25:26:27:28:29:2a:2b:2c:2d:2e:2f:30:31:32:33:34:35:36:37:38:39:3a:3b:3c:3d:3e:3f mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1 type no-offload replay_window 64 reqid 7
sp add ipv4 out esp protect reqid 7 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16
sp add ipv4 in esp protect reqid 7 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16
sp commit
set fwd ipsec
set txport 0
set fault 0 dup 0.01
start tx_first 2
sleep 100
sa move out 4096 sw
sa add out 4097 cipher_algo aes-128-cbc cipher_key 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f auth_algo sha256-hmac auth_key 20:21:22:23:24:25:26:27:28:29:2a:2b:2c:2d:2e:2f:30:31:32:33:34:35:36:37:38:39:3a:3b:3c:3d:3e:3f mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1 type no-offload reqid 7
sleep 100
sa del out 4096
sa update out 4097 soft_packets 100000 userdata 3
sleep 100
stop
show fwd stats json
show sa stats json
set fault 0 dup 0
tls add 1 write 1.3 aes-128-gcm key 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f iv a0:a1:a2:a3:a4:a5:a6:a7:a8:a9:aa:ab local 192.0.2.1 40000 remote 198.51.100.1 443 type inline port_id 0
tls add 2 read 1.3 aes-128-gcm key 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f iv a0:a1:a2:a3:a4:a5:a6:a7:a8:a9:aa:ab local 198.51.100.1 443 remote 192.0.2.1 40000 type inline port_id 1 rx_resync device
tls add 3 write 1.2 aes-256-gcm key 40:41:42:43:44:45:46:47:48:49:4a:4b:4c:4d:4e:4f:50:51:52:53:54:55:56:57:58:59:5a:5b:5c:5d:5e:5f iv a0:a1:a2:a3 local 198.51.100.1 443 remote 192.0.2.1 40000 type no-offload port_id 1
tls add 4 read 1.2 aes-256-gcm key 40:41:42:43:44:45:46:47:48:49:4a:4b:4c:4d:4e:4f:50:51:52:53:54:55:56:57:58:59:5a:5b:5c:5d:5e:5f iv a0:a1:a2:a3 local 192.0.2.1 40000 remote 198.51.100.1 443 type no-offload port_id 0
set fwd tls
start tx_first 1
sleep 100
stop
show tls stats json
show mempool json
tls del 1
quit
