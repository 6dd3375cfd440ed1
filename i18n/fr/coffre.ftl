# Les messages de Coffre en français (catalogue de référence : `fl!` vérifie à la
# compilation les identifiants et les variables contre ce fichier). Chaque
# identifiant existe aussi dans ../en/coffre.ftl avec les mêmes variables
# (vérifié par tests/i18n_catalog.rs). Ajouter un message : docs/i18n.md.

## Catégories d'erreurs (le code de sortie en dépend, pas les mots)
error-usage = { $detail }
error-refused = refusé : { $detail }
error-pending = accès en attente : { $detail }
error-auth = identification impossible : { $detail }
error-integrity = atteinte à l'intégrité : { $detail }
error-policy = politique invalide { $file } : { $detail }
error-policy-line = politique invalide { $file }, ligne { $line } : { $detail }
error-not-found = introuvable : { $detail }
error-busy = { $detail }
error-audit-unavailable = le journal d'audit n'a pas pu être écrit, donc rien n'a été fait (pas de trace, pas d'accès) : { $detail }
error-io = { $detail }
error-interrupted = interrompu : { $detail }

## Erreurs du système
io-reason-not-found = fichier ou dossier introuvable
io-reason-permission-denied = permission refusée
io-reason-already-exists = il existe déjà
io-reason-storage-full = plus de place sur le disque
io-reason-read-only = le disque est en lecture seule
io-reason-unexpected-eof = le fichier s'arrête trop tôt
io-reason-interrupted = interrompu
io-reason-invalid-data = données invalides
io-reason-would-block = la ressource est occupée
io-reason-broken-pipe = la sortie a été fermée
io-reason-timed-out = délai dépassé
io-reason-other = erreur système { $code }

## Dates et nombres
date-time = { $day }/{ $month }/{ $year } à { $hour }:{ $minute }
date-only = { $day }/{ $month }/{ $year }

## Langue
lang-unknown = langue inconnue « { $value } » (donnée par { $source }) : Coffre parle fr (français) et en (anglais)

## Messages composés à la main
audit-log-not-start-at-origin = journal d'audit, { $place } : le journal ne commence pas à l'origine de ce coffre (journal remplacé ou venu d'un autre coffre, ou réglages du coffre `meta` remplacés)
audit-entry-does-not-link = la trace { $seq } du journal d'audit ne suit pas la trace { $previous } : l'une des deux a été modifiée
audit-write-failed = la trace n'a pas pu être écrite dans le journal d'audit : { $reason }
passphrase-empty = la phrase de passe est vide : saisissez-en une
passphrase-too-weak = phrase de passe trop faible : au moins 12 caractères, difficile à deviner (plusieurs mots sans rapport entre eux, par exemple)
clock-finding-now = l'horloge de cette machine indique { $now }, { $days } j { $hours } h { $minutes } min { $ahead ->
    [yes] après
   *[no] avant
} la dernière entrée du journal d'audit ({ $reference })
clock-finding-history = l'entrée { $at } du journal d'audit est datée du { $now }, { $days } j { $hours } h { $minutes } min { $ahead ->
    [yes] après
   *[no] avant
} l'entrée précédente ({ $reference }) : l'horloge a sauté et personne ne l'a confirmé depuis
clock-looks-wrong = { $offset } : l'horloge semble fausse, et « { $action } » en dépend ; vérifiez l'horloge du système, ou ajoutez --confirm-clock si la date est juste
policy-cannot-read = lecture impossible : { $reason }
policy-toml-syntax = { $detail }
import-at-entry = note { $n } : { $detail }
import-partial = { $detail } ({ $done } notes sur { $total } ont été écrites avant cette erreur ; une fois le problème réglé, relancer le même fichier les saute)

## Erreurs et résultats de la bibliothèque
cannot-read-audit-log = lecture du journal d'audit impossible : { $reason }
first-audit-entry-incomplete-longer-than = la première trace du journal d'audit est incomplète ou plus longue qu'aucune trace valide
malformed-checkpoint-bad-signature-line = point de contrôle mal formé : ligne de signature incorrecte
key-derivation-failed = la dérivation de la clé a échoué
signing-key-derivation-failed = la dérivation de la clé de signature a échoué
checkpoint-file-truncated-damaged = le fichier des points de contrôle est tronqué ou abîmé
log-not-this-vaults-genesis = la ligne 1 du journal d'audit n'est pas la genèse de ce coffre ({ $genesis }) : le journal a été remplacé ou reconstruit
genesis-not-64-hex = « { $g } » n'est pas une empreinte de genèse (64 chiffres hexadécimaux)
checkpoint-file-framing = le fichier des points de contrôle n'est pas découpé comme le format le dit ({ $what }) : il a été modifié ou abîmé
checkpoint-file-not-utf8 = le fichier des points de contrôle n'est pas en UTF-8 : il a été modifié ou abîmé
given-checkpoint-not-utf8 = le point de contrôle donné n'est pas en UTF-8 : il a été modifié ou abîmé
audit-no-checkpoint = le journal d'audit contient { $entries } traces mais aucun point de contrôle signé : les points de contrôle ont été retirés
malformed-checkpoint = point de contrôle mal formé : { $what }
cannot-encode-audit-entry = impossible d'encoder une trace d'audit : { $e }
audit-valid-entry-altered-damaged = journal d'audit, { $place } : ce n'est pas une trace valide ; elle a été modifiée ou abîmée
audit-line-malformed = journal d'audit, { $place } : ce n'est pas une ligne bien formée ({ $why }) ; elle a été modifiée ou abîmée
audit-line-would-be-malformed = une ligne d'audit n'a pas pu être écrite : elle ne serait pas bien formée ({ $why })
line-flaw-too-long = 65 536 octets ou plus
line-flaw-not-utf8 = pas en UTF-8
line-flaw-pruned = une ligne élaguée abîmée
line-flaw-members = pas les membres d'une trace, dans leur ordre, sous forme compacte
line-flaw-version = une version de format inconnue
line-flaw-number = un numéro de trace mal formé
line-flaw-dprev = un dprev mal formé (un nombre à partir de 0, ou null quand le dossier est null)
line-flaw-aprev = un aprev mal formé (un nombre à partir de 0)
line-flaw-prev = un lien mal formé vers la ligne précédente
line-flaw-time = une heure mal formée
line-flaw-text = une chaîne qui n'est pas sous sa forme canonique
line-flaw-categories = des catégories non triées ou répétées
line-flaw-outcome = un résultat inconnu
line-flaw-nonce = un nonce mal formé
line-flaw-justification = une justification mal formée
line-flaw-fact = un fait qui n'est pas sous la forme canonique d'un type connu
line-flaw-signature = une signature mal formée
audit-unknown-format-version = journal d'audit, { $place } : version de format inconnue { $v }
date-yyyy-mm-dd-time-yyyy = « { $s } » n'est ni une date (14/05/2012) ni une heure (2012-05-14T10:00:00Z)
audit-entry-canonical-form = journal d'audit, { $place } (trace { $seq }) : la trace n'est pas sous sa forme canonique
audit-number-where-expected-entries-removed = journal d'audit, { $place } : numéro { $seq } au lieu de { $expected_seq } ; des traces ont été supprimées, déplacées ou insérées
cannot-open-audit-log = ouverture du journal d'audit impossible : { $reason }
audit-log-holds-bytes-bytes-entries = le journal d'audit contient { $len } octets alors que { $offset } octets ({ $size } traces) avaient été enregistrés : des traces ont été coupées ou le journal a été remplacé
recorded-audit-state-damaged = l'état enregistré du journal d'audit est abîmé
audit-entry-differs-one-recorded-log = la trace { $size } du journal d'audit diffère de celle qui avait été enregistrée : le journal a été modifié ou remplacé
fact-valid-json = un fait n'est pas du JSON valide : { $e }
fact-line-unexpected-shape = une ligne de fait n'a pas la forme attendue
audit-entry-too-long-shorten-justification = trace d'audit trop longue (raccourcissez la justification)
audit-log-moved-while-entry-being = le journal d'audit a changé pendant la préparation d'une trace
audit-index-points-past-end-log = l'index du journal d'audit pointe au-delà de la fin du journal
audit-log-does-end-where-recorded = le journal d'audit ne s'arrête pas là où sa fin avait été enregistrée
audit-entry-longer-than-any-valid = une trace du journal d'audit est plus longue qu'aucune trace valide
cannot-repair-audit-log = réparation du journal d'audit impossible : { $reason }
cannot-read-checkpoints = lecture des points de contrôle impossible : { $reason }
cannot-repair-checkpoints = réparation des points de contrôle impossible : { $reason }
regular-file = { $path } n'est pas un fichier ordinaire
cannot-write-log-file = écriture d'un fichier journal impossible : { $reason }
holds-bytes-where-least-written-before = { $into_owned } contient { $len } octets alors qu'au moins { $offset } y avaient été écrits : il a été coupé
cannot-sync-log-file = enregistrement sur disque d'un fichier journal impossible : { $reason }
belongs-another-vault-log-s-first = { $what } appartient à un autre coffre (ou la première trace du journal a été modifiée)
signature-invalid = { $what } : la signature n'est pas valide
signed-key-s-checkpoint-key = { $what } : signé avec une clé qui n'est pas la clé de point de contrôle de { $s }
signed-any-staff-member-vault = { $what } : signé par aucun membre du personnel de ce coffre
goes-back-entries-checkpoints-reordered-log = { $c } revient en arrière depuis { $size } traces : des points de contrôle ont été réordonnés ou le journal réécrit
audit-entry-longer-than-any-valid-2 = la trace { $size } du journal d'audit est plus longue qu'aucune trace valide
audit-entry-incomplete-interrupted-write-opening = la trace { $size } du journal d'audit est incomplète (une écriture interrompue ; rouvrir le coffre la répare)
entries-do-match-root-signed-entry = les traces { $from } à { $size } ne correspondent pas à la racine signée dans { $c } : la trace { $size } ou l'ordre des traces a été modifié
today-s-log-does-extend-given = le journal d'aujourd'hui ne prolonge pas le point de contrôle donné ({ $s }) : des traces jusqu'à la { $size } ont été réécrites
log-entries-covers-entries-cut-off = le journal compte { $entries } traces mais { $c } en couvre { $size } : des traces ont été coupées à la fin
store-recorded-checkpoint-entries-latest-checkpoint = la base a enregistré un point de contrôle de { $checkpointed } traces mais le dernier point de contrôle en couvre { $signed } : des points de contrôle ont été supprimés
log-entries-store-recorded-entries-cut = le journal compte { $entries } traces mais la base en a enregistré { $size } : des traces ont été coupées à la fin
log-entries-given-checkpoint-covers-entries = le journal compte { $entries } traces mais le point de contrôle donné en couvre { $size } : des traces ont été coupées ou le journal remplacé
consistency-proof-between-given-checkpoint-today = la preuve de cohérence entre le point de contrôle donné et le journal d'aujourd'hui échoue
cannot-read = lecture de { $path } impossible : { $e }
line-entry-column-expected-dossier-kind = ligne { $n } : ce n'est pas une note ({ $JSON }, colonne { $column }) ; attendu {"{"}"dossier", "kind", "fields"{"}"}
line-cannot-read = ligne { $n } : lecture impossible : { $e }
cannot-install-interruption-handler = impossible d'installer la gestion des interruptions : { $e }
while-file-being-checked-nothing-imported = pendant la vérification du fichier ; rien n'a été importé
entries-imported-run-import-run-same = { $done } notes sur { $total } sont importées, dont { $written } par cette exécution (import { $id }) ; relancez la même commande pour importer le reste : les notes déjà importées sont sautées
cannot-read-passphrase = lecture de la phrase de passe impossible : { $e }
passphrase-run-coffre-terminal-set-coffre = pas de phrase de passe : lancez coffre dans un terminal, ou renseignez COFFRE_PASSPHRASE
two-passphrases-differ = les deux phrases de passe sont différentes
coffre-new-passphrase-utf-8-text = COFFRE_NEW_PASSPHRASE n'est pas du texte UTF-8
new-passphrase-run-coffre-terminal-set = pas de nouvelle phrase de passe : lancez coffre dans un terminal, ou renseignez COFFRE_NEW_PASSPHRASE
field-must-written-name-value = un --field s'écrit NOM=VALEUR
only-one-field-may-read-standard = une seule rubrique peut être lue sur l'entrée standard
cannot-read-standard-input = lecture de l'entrée standard impossible : { $e }
field-cannot-read = rubrique « { $name } » : lecture de { $path } impossible : { $e }
field-value-utf-8-text = rubrique « { $name } » : la valeur n'est pas du texte UTF-8
cannot-write-output = écriture de la sortie impossible : { $e }
data-directory-platform-give-vault-dir = pas de dossier de données sur ce système : indiquez --vault DOSSIER
say-who-you-user-id-coffre = dites qui vous êtes : --user IDENTIFIANT ou COFFRE_USER
encoding-failed = encodage des données impossible : { $detail }
give-vault-dir-new-folder-restore = indiquez --vault DOSSIER : un nouveau dossier où restaurer
cannot-read-2 = lecture de { $p } impossible : { $e }
signed-checkpoint-yet = pas encore de point de contrôle signé
cannot-create = création de { $path } impossible : { $e }
cannot-write = écriture de { $path } impossible : { $e }
already-exists-choose-new-file-recovery = { $p } existe déjà ; choisissez un nouveau fichier pour la clé de secours
entries-dossier-damaged-altered-others-shown = les notes { $join } du dossier { $id } sont abîmées ou modifiées ; les autres sont affichées (lancez `coffre check`)
outcome-one-ok-denied-failed-error = --outcome vaut ok, denied, failed ou error
cannot-encrypt-backup = chiffrement de la sauvegarde impossible : { $e }
give-out-file-backup-verify-file = indiquez --out FICHIER, ou `backup verify FICHIER`
recovery-key-vault = ce n'est pas la clé de secours de ce coffre
exists-give-new-folder = { $out_dir } existe : indiquez un nouveau dossier
cannot-create-2 = création de { $out_dir } impossible : { $e }
holds-share = { $p } ne contient aucune part
shares-do-rebuild-key = les parts ne reconstituent pas une clé
damaged-item-s = { $damaged_count ->
    [one] { $damaged_count } élément abîmé
   *[other] { $damaged_count } éléments abîmés
}
cannot-encrypt-recipient = chiffrement pour ce destinataire impossible : { $e }
give-recipient-passphrase = indiquez --recipient ou --passphrase
access-view-person-run-without-user = access view est réservé à la personne accompagnée : lancez-le sans --user
command-needs-user = cette commande demande --user
coffre-backup-age-file = { $path } n'est pas une sauvegarde de coffre (ce n'est pas un fichier age)
recovery-key-does-open-backup = cette clé de secours n'ouvre pas cette sauvegarde
damaged-header-does-verify = { $path } est abîmé : son en-tête ne se vérifie pas
invalid-key = clé invalide
value-too-large-bytes-most = valeur trop grande : { $plaintext_count } octets, au plus { $MAX_PLAINTEXT }
sealing-failed = le chiffrement a échoué
sealed-value-failed-open-altered-moved = une valeur chiffrée n'a pas pu être ouverte (modifiée, déplacée ou mauvaise clé)
stored-key-derivation-parameters-out-bounds = les paramètres de dérivation de clé enregistrés sont hors limites
stored-key-derivation-parameters-invalid = les paramètres de dérivation de clé enregistrés sont invalides
system-random-generator-failed = le générateur aléatoire du système a échoué
stored-key-wrong-length = une clé enregistrée n'a pas la bonne longueur
choose-2-threshold-shares-e-g = choisissez 2 ≤ seuil ≤ parts (par exemple --threshold 2 --shares 3)
share = part { $n } : { $what }
give-shares-share-file = indiquez les parts avec --share FICHIER
share-s-given-needed = { $shares_count ->
    [one] { $shares_count } part donnée
   *[other] { $shares_count } parts données
}, { $k } nécessaires
shares-do-combine = les parts ne se combinent pas
valid-age-identity-age-secret-key = identité age invalide (AGE-SECRET-KEY-1…)
line-valid-age-identity = ligne { $i } : identité age invalide
age-identity-found-key-file = aucune identité age dans le fichier de clé
valid-age-recipient-age1 = destinataire age invalide (age1…)
age-encryption-failed = le chiffrement age a échoué : { $e }
age-encryption-failed-2 = le chiffrement age a échoué : { $reason }
wrapped-key-malformed = une clé protégée est mal formée
wrapped-key-failed-open = une clé protégée n'a pas pu être ouverte
demo-expected-refusal = la démonstration attendait un refus
cannot-forbid-core-dumps-setrlimit = impossible d'interdire les copies de mémoire sur disque (setrlimit) : { $e }
cannot-forbid-core-dumps-prctl = impossible d'interdire les copies de mémoire sur disque (prctl) : { $e }
cannot-create-folder = création d'un dossier impossible : { $reason }
cannot-make-folder-private = impossible de rendre un dossier privé : { $reason }
audit-log-longer-holds-entry-when = le journal d'audit ne contient plus la trace { $size } telle qu'elle était lors de la dernière vérification de ce membre : des traces ont été supprimées ou réécrites
cannot-encode-fact = encodage d'un fait impossible : { $e }
audit-entry-carries-fact-valid-altered = la trace { $seq } du journal d'audit porte un fait invalide : elle a été modifiée ou abîmée
not-64-hex-digits = { $what } n'est pas fait de 64 chiffres hexadécimaux en minuscules
vault-created-earlier-version-coffre-whose = ce coffre a été créé par une version antérieure de Coffre, dont les droits ne sont pas signés : cette version refuse de lui faire confiance (pas encore de mise à niveau ; continuez d'utiliser la version antérieure pour ce coffre)
audit-time-valid = journal d'audit, { $place } : l'heure n'est pas valide
audit-fact = journal d'audit, { $place } : aucun fait
audit-signed-names-actor-log-forged = journal d'audit, { $place } : signé par « { $signer } » mais attribué à « { $actor } » : le journal a été falsifié
audit-signed-who-holds-signing-key = journal d'audit, { $place } : signé par « { $signer } », qui n'a aucune clé de signature dans le registre des droits à ce moment : le journal a été falsifié
audit-signature-fact-does-verify-entry = journal d'audit, { $place } : la signature de son fait ne se vérifie pas : la trace a été modifiée ou falsifiée
audit-log-ends-entry-before-recorded = le journal d'audit s'arrête à la trace { $size }, avant sa fin enregistrée
audit-entry-carries-fact-signer-may = la trace { $seq } du journal d'audit porte un fait que son signataire ne peut pas produire ({ $why }) : le registre des droits a été falsifié
cannot-read-journal = lecture du journal des écritures impossible : { $reason }
earlier-write-journal-failed-close-coffre = une écriture précédente dans le journal des écritures a échoué ; fermez coffre et rouvrez le coffre
cannot-encode-journal-record = encodage d'un enregistrement du journal des écritures impossible : { $e }
change-too-large-one-journal-record = la modification est trop grande pour un seul enregistrement du journal des écritures
cannot-write-journal = écriture du journal des écritures impossible : { $reason }
cannot-reset-journal = remise à zéro du journal des écritures impossible : { $reason }
invalid-id-use-1-64-characters = identifiant de { $kind } invalide : utilisez 1 à 64 caractères parmi a-z, 0-9, « . », « _ » et « - »
store-key-text = une clé de la base n'est pas du texte
store-overlay-lock-poisoned = verrou interne de la base inutilisable
cannot-encode-record = encodage d'un enregistrement impossible : { $e }
stored-record-corrupt = un enregistrement ({ $what }) est corrompu
record-store-s-files-store-damaged = les fichiers de la base (store/) sont abîmés : sled y a trouvé une erreur de somme de contrôle ; c'est une panne de stockage, pas le signe d'une falsification ; restaurez le coffre depuis une sauvegarde
vault-open-another-coffre-process-close = le coffre est ouvert par un autre processus coffre ; fermez-le et réessayez
record-store-error = erreur de la base : { $other }
cannot-list-store = lecture de la liste de la base impossible : { $reason }
cannot-sync-store-disk = enregistrement de la base sur disque impossible : { $reason }
cannot-sync-store-directory = enregistrement du dossier de la base impossible : { $reason }
store-lock-poisoned = verrou de la base inutilisable
cannot-move-damaged-snapshot-store-aside = impossible de mettre de côté une copie abîmée de la base : { $reason }
cannot-clean-store = nettoyage de la base impossible : { $reason }
space-check-lock-poisoned = verrou du contrôle d'espace inutilisable
enough-disk-space-mib-free-about = pas assez de place sur le disque : { $left } Mio libres, environ { $div_ceil } Mio nécessaires ; rien n'a été écrit
holds-control-text-direction-character-u = { $what } contient un caractère de contrôle ou de sens d'écriture (U+{ $u32 }) : sauts de ligne, tabulations et caractères de ce genre sont interdits dans les noms
dossier-erased = le dossier { $id } a été effacé
break-glass-justification-required-1-characters = le bris de glace demande une justification (1 à { $MAX_JUSTIFICATION } caractères)
dossier = dossier { $dossier }
staff-member = membre du personnel « { $user } »
staff-name-text = un nom de membre du personnel n'est pas du texte
staff-directory-key-granted-you-yet = la clé de l'annuaire du personnel ne vous a pas encore été remise
category-needs-author = la catégorie « { $category } » demande un auteur
key-lock-poisoned = verrou des clés inutilisable
record-does-match-signed-rights-register = l'enregistrement { $record } ({ $what }) ne correspond pas au registre signé des droits : il a été modifié en dehors de coffre
rights-register-lock-poisoned = verrou du registre des droits inutilisable
rights-register-verified-yet-unlock-first = le registre des droits n'est pas encore vérifié (déverrouillez d'abord)
audit-log-holds-signed-genesis-emptied = le journal d'audit ne contient aucun acte de création signé : il a été vidé ou remplacé
change-allowed-rights-register = le registre des droits n'autorise pas cette modification ({ $fact })
audit-log-longer-holds-entry-saw = le journal d'audit ne contient plus la trace { $size } telle que « { $member } » l'a vue à sa dernière commande : des traces ont été supprimées ou réécrites depuis (comparez avec un point de contrôle conservé hors de la machine)
signed-record-where-left-log-least = l'enregistrement signé de l'endroit où « { $signer } » a laissé le journal (au moins la trace { $size }) manque ou est plus ancien : la fin du journal a été coupée ou réécrite
vault-restored-backup-holding-entries-checkpoint = le coffre a été restauré le { $time } depuis une sauvegarde du { $created } contenant { $n } traces ; le point de contrôle donné ({ $size } traces, signé par { $claimed_signer }) est postérieur à cette sauvegarde : ses traces après la { $n } ont été perdues avec la restauration, pas réécrites ici (si la restauration était voulue, gardez un point de contrôle pris depuis ; { $failure })
cannot-create-temporary-folder-check-store = impossible de créer un dossier temporaire pour vérifier la base : { $reason }
cannot-copy-store-check = impossible de copier la base pour la vérifier : { $reason }
vault-use-another-coffre-process-wait = le coffre { $dir } est utilisé par un autre processus coffre ; attendez qu'il finisse et réessayez, ou utilisez --wait SECONDES
vault-create-one-coffre-init-give = pas de coffre dans { $dir } ; créez-en un avec `coffre init` ou indiquez --vault
cannot-read-vault-s-policy = lecture de la politique du coffre impossible : { $reason }
vault-s-policy-toml-changed-outside = le fichier policy.toml du coffre a été modifié en dehors de coffre (son empreinte ne correspond pas)
audit-log-missing = le journal d'audit { $audit_path } manque
audit-entry-s-time-valid-time = l'heure d'une trace d'audit n'est pas valide
audit-entry-s-time-before-1970 = l'heure d'une trace d'audit est antérieure à 1970
cannot-sync-vault-directory = enregistrement du dossier du coffre sur disque impossible : { $reason }
earlier-change-could-applied-kept-journal = une modification précédente n'a pas pu être appliquée ; elle est gardée dans le journal des écritures : fermez coffre et rouvrez le coffre (elle sera appliquée alors)
journal-lock-poisoned = verrou du journal des écritures inutilisable
change-saved-journal-could-applied-now = une modification a été enregistrée dans le journal des écritures mais n'a pas pu être appliquée tout de suite ({ $e }) ; elle le sera à la prochaine ouverture du coffre : fermez coffre, rouvrez le coffre et vérifiez que l'opération a bien eu lieu
nothing-appended = rien n'a été ajouté
audit-log-first-entry-name-vault = le journal d'audit n'a pas de première trace pour nommer le coffre
injected-failure = panne simulée
establishment-admin-names-must-empty = le nom de l'établissement et celui de l'administrateur·rice ne doivent pas être vides
already-holds-vault = { $dir } contient déjà un coffre
unknown-profession = profession inconnue « { $admin_profession } »
first-member-must-able-manage-staff = le premier membre doit pouvoir gérer le personnel ; « { $admin_profession } » ne le peut pas
cannot-write-vault-s-policy = écriture de la politique du coffre impossible : { $reason }
audit-key = clé d'audit
directory-key = pas de clé d'annuaire
genesis-recorded = l'acte de création n'a pas été enregistré
cannot-open-vault-lock = ouverture du verrou du coffre impossible : { $reason }
vault-held-by-server = le coffre { $dir } est tenu par le serveur web de Coffre (processus { $pid }) : faites-le dans le navigateur, à l'adresse { $url }, ou arrêtez le serveur puis réessayez. Ce qui demande la clé de secours se fait serveur arrêté. Pour que le serveur et les commandes travaillent en même temps, placez le coffre dans PostgreSQL (coffre migrate).
vault-held-by-process = le coffre { $dir } est utilisé par un autre processus coffre (processus { $pid }) ; attendez qu'il finisse et réessayez, ou utilisez --wait SECONDES
cannot-lock-vault = verrouillage du coffre impossible : { $reason }
audit-index-damaged = l'index du journal d'audit est abîmé
vault-s-settings-missing = les réglages du coffre manquent
store-record-audit-log = la base n'a aucune trace du journal d'audit
vault-format-coffre-reads-format = ce coffre est au format { $format }, ce Coffre lit le format { $FORMAT }
audit-recipient-damaged = le destinataire d'audit est abîmé
audit-log-lock-poisoned = verrou du journal d'audit inutilisable
audit-index-lock-poisoned = verrou de l'index d'audit inutilisable
dossier-2 = dossier { $id }
cannot-unlock = impossible d'ouvrir la session de « { $user } » : { $detail }
sealed-identity-corrupt = une identité chiffrée est corrompue
key-generation-record-damaged = un enregistrement de génération de clé est abîmé
vault-key = le coffre n'a pas de clé « { $name } »
cannot-write-export = écriture de l'export impossible : { $reason }
dossier-erased-2 = le dossier { $dossier } a été effacé
data-key-record-malformed-key = un enregistrement de clé de données a une clé mal formée
export-needs-keys-you-do-hold = la copie pour la personne demande les clés de { $categories }, que vous n'avez pas : un·e collègue qui les détient peut la faire, ou elle se fait avec la clé de secours
cli-export-give-recovery-key = { $reason } (--recovery-key FICHIER)
export-objected-for-your-profession = la personne s'est opposée au partage de { $categories } avec votre profession : sa copie est faite par un·e collègue d'une autre profession, ou avec la clé de secours
audit-detail-export-keys-not-held = clés non détenues ; rien n'a été exporté
audit-detail-readable-copy = la copie lisible
dossier-identity-key = le dossier n'a pas de clé d'identité
export-changed-while-written-run-again = l'export a changé pendant son écriture ; relancez-le
none-justification-s-dossier-opens-your = aucune des { $unreadable } justifications du dossier { $dossier } ne s'ouvre avec vos clés d'audit
cannot-open-dossier = impossible d'ouvrir le dossier { $dossier } : { $detail }
unknown-category = catégorie inconnue « { $category } »
unknown-profession-2 = profession inconnue « { $profession } »
objection-record-malformed-key = un enregistrement d'opposition a une clé mal formée
write-lock-poisoned = verrou d'écriture inutilisable
note-empty = la note est vide
entry-your-dossier = la note { $e } n'est pas dans votre dossier
your-access-your-dossier-complete-yet = votre accès à votre dossier n'est pas encore complet ; adressez-vous à l'établissement
your-key-does-open-your-dossier = votre clé n'ouvre pas votre dossier
dossier-header-corrupt = un en-tête de dossier est corrompu
birth-date-must-real-date-written = la date de naissance doit être une vraie date, écrite JJ/MM/AAAA (par exemple 14/05/2012), entre 1900 et 2200
date-not-a-date = ce n'est pas une date : écrivez-la JJ/MM/AAAA, par exemple 14/05/2012
date-two-digit-year = écrivez l'année en entier, sur quatre chiffres (14/05/2012 et non 14/05/12) : avec deux chiffres, le siècle n'est pas sûr
name-must-1-200-characters = le nom doit compter de 1 à 200 caractères
identity-key-granted-you-yet = la clé « identity » (identité) ne vous a pas encore été remise
name-index-key-granted-you-yet = la clé de l'index des noms ne vous a pas encore été remise
give-least-one-word-two-letters = indiquez au moins un mot de deux lettres ou plus
name-search-too-long = une recherche de nom compte au plus { $max } caractères, comme un nom
staff-member-revoked = le membre du personnel « { $staff } » a été révoqué
staff-member-2 = membre du personnel « { $staff } »
data-key-dossier-missing = la clé de données de « { $cat } » du dossier { $dossier } manque
unknown-entry-kind-see-coffre-policy = type de note inconnu « { $kind } » (voir `coffre policy show`)
give-least-one-field-name-value = indiquez au moins une rubrique --field NOM=VALEUR
kind-field-fields = le type de note « { $kind } » n'a pas de rubrique « { $name } » (rubriques : { $join })
field-given-twice = la rubrique « { $name } » est donnée deux fois
key-category-granted-you-yet = la clé de la catégorie « { $cat } » ne vous a pas encore été remise
key-category-granted-you-yet-holders = la clé de la catégorie « { $cat } » ne vous a pas encore été remise : elle vous est remise dès que l'un·e de ces collègues ouvre Coffre : { $holders }
cannot-create-erasure-key = création d'une clé d'effacement impossible : { $reason }
cannot-write-erasure-key = écriture d'une clé d'effacement impossible : { $reason }
erasure-key-dossier-damaged = la clé d'effacement du dossier { $dossier } est abîmée
erasure-key-dossier-missing = la clé d'effacement du dossier { $dossier } manque
cannot-read-erasure-key = lecture d'une clé d'effacement impossible : { $reason }
cannot-overwrite-erasure-key = écrasement d'une clé d'effacement impossible : { $reason }
cannot-open-erasure-key = ouverture d'une clé d'effacement impossible : { $reason }
cannot-remove-erasure-key = suppression d'une clé d'effacement impossible : { $reason }
cannot-sync-erasure-keys-folder = enregistrement du dossier des clés d'effacement impossible : { $reason }
dossier-already-erased = le dossier { $dossier } est déjà effacé
give-reason-erasure-1-2000-characters = indiquez le motif de l'effacement (1 à 2000 caractères)
cannot-read-import-file = lecture du fichier d'import impossible : { $reason }
entry = note { $id }
list-dossier-holds-another-entry-under = la liste du dossier { $dossier } contient une autre note sous { $id }
entry-missing-extra-versions = la note { $id } a des versions manquantes ou en trop
field-value-text = la valeur d'une rubrique n'est pas du texte
dossier-erased-3 = le dossier { $dossier } est effacé
unknown-retention-rule-rules = règle de conservation inconnue « { $rule } » (règles : { $join })
dossier-names-unknown-retention-rule = le dossier { $id } cite une règle de conservation inconnue
establishment-s-policy-requires-recorded-approval = la politique de l'établissement demande un accord enregistré : indiquez --approval "référence"
you-cannot-revoke-yourself = vous ne pouvez pas vous révoquer vous-même
staff-member-3 = membre du personnel « { $id } »
already-revoked = « { $id } » est déjà révoqué·e
revoked = « { $id } » est révoqué·e
new-audit-key-text = la nouvelle clé d'audit n'est pas du texte
data-dossier-must-moved-new-key = les données « { $category } » du dossier { $dossier } doivent d'abord être passées sous la nouvelle clé par quelqu'un qui détient l'ancienne
unknown-profession-see-coffre-policy-show = profession inconnue « { $profession } » (voir `coffre policy show`)
staff-member-already-exists = un membre du personnel « { $id } » existe déjà
establishment-name-text = le nom de l'établissement n'est pas du texte
active-staff-member = membre du personnel actif « { $id } »
you-cannot-approve-yourself = vous ne pouvez pas vous approuver vous-même
cannot-write-backup = écriture de la sauvegarde impossible : { $reason }
changed-while-backed-up = { $name } a changé pendant la sauvegarde
cannot-read-vault-backup = lecture du coffre pour la sauvegarde impossible : { $reason }
changed-while-backed-up-2 = { $path } a changé pendant la sauvegarde
backup-damaged-incomplete = la sauvegarde est abîmée ou incomplète : { $what }
exists-empty-restore-into-new-folder = { $dir } existe et n'est pas vide : restaurez dans un nouveau dossier
cannot-restore-file = restauration d'un fichier impossible : { $reason }
unsupported-policy-format-coffre-reads-format = format de politique non pris en charge (ce Coffre lit format = 1)
break-glass-hours-must-between-1 = break_glass_hours doit être compris entre 1 et 24
unknown-time-zone-use-iana-name = fuseau horaire inconnu « { $get_ref } » (utilisez un nom IANA comme Europe/Paris)
work-start-hour-must-between-0 = work_start_hour doit être compris entre 0 et 23
work-end-hour-must-after-work = work_end_hour doit être après work_start_hour et au plus 24
burst-dossiers-must-least-2 = burst_dossiers doit valoir au moins 2
burst-minutes-must-between-1-1440 = burst_minutes doit être compris entre 1 et 1440
clock-max-ahead-days-must-between = clock_max_ahead_days doit être compris entre 1 et 3660
category-identifier-invalid-z-0-9 = l'identifiant de catégorie « { $id } » est invalide (a-z, 0-9, « - », « _ »)
category-author-only-break-glass-never = la catégorie « { $id } » est réservée à son auteur : le bris de glace ne peut jamais l'ouvrir
category-withheld-must-give-legal-reason = catégorie « { $id } » : « withheld » doit donner le motif légal
category-author-only-never-given-person = la catégorie « { $id } » est réservée à son auteur, elle ne peut donc jamais être communiquée à la personne accompagnée : ajoutez withheld = "motif légal"
category-identity-required-holds-person-s = une catégorie « identity » est obligatoire (elle contient le nom de la personne)
profession-identifier-invalid = l'identifiant de profession « { $id } » est invalide
profession-unknown-category = profession « { $id } » : catégorie inconnue « { $cat } »
profession-author-only-list-under-write = profession « { $id } » : « { $cat } » est réservée à son auteur, mettez-la sous write (les auteurs relisent leurs propres notes)
profession-category-listed-twice = profession « { $id } » : la catégorie « { $cat } » figure deux fois
profession-unknown-capability-known = profession « { $id } » : capacité inconnue « { $get_ref } » (connues : { $names })
profession-may-create-dossiers-may-write = la profession « { $id } » peut créer des dossiers mais pas écrire « identity »
profession-may-manage-staff-nobody-could = aucune profession ne peut gérer le personnel : personne ne pourrait ajouter qui que ce soit
kind-identifier-invalid = l'identifiant de type de note « { $id } » est invalide
kind-field = le type de note « { $id } » n'a aucune rubrique
kind-field-name-invalid = type de note « { $id } » : le nom de rubrique « { $name } » est invalide
kind-field-unknown-category = type de note « { $id } » : la rubrique « { $name } » a une catégorie inconnue « { $get_ref } »
retention-rule-identifier-invalid = l'identifiant de règle de conservation « { $id } » est invalide
retention-years-must-between-1-200 = la durée de conservation doit être comprise entre 1 et 200 ans
default-retention-rule-defined = la règle de conservation par défaut « { $get_ref } » n'est pas définie
retention-unknown-category = conservation : catégorie inconnue « { $cat } »
note-written-person-theirs-cannot-amended = une note écrite par la personne accompagnée lui appartient : le personnel ne peut pas la modifier
profession-may-write-category = la profession « { $profession } » ne peut pas écrire dans la catégorie « { $cat } »
field-author-only-written-someone-else = la rubrique « { $name } » est réservée à son auteur et a été écrite par quelqu'un d'autre
you-hold-key-category = vous n'avez aucune clé pour la catégorie « { $cat } »
you-care-team-dossier = vous ne faites pas partie de l'équipe pluridisciplinaire du dossier { $dossier }
profession-may-manage-retention = la profession « { $profession } » ne peut pas gérer la conservation des dossiers
profession-may-search-names = la profession « { $profession } » ne peut pas rechercher par nom
only-care-team-managers-dossier-s = seuls les responsables d'équipe et la personne qui a créé le dossier peuvent { $what }
profession-may = la profession « { $profession } » ne peut pas { $what }
profession-may-break-glass = la profession « { $profession } » ne peut pas recourir au bris de glace
restricted-key-waiting-approval-you-give = aucune clé restreinte de « { $id } » n'attend un accord que vous puissiez donner
profession-may-check-vault = la profession « { $profession } » ne peut pas vérifier le coffre
profession-may-read-audit-reports = la profession « { $profession } » ne peut pas lire les rapports d'audit
signed = il n'est pas signé
signer-active-member = le signataire n'est pas un membre actif
profession-may-2 = sa profession ne peut pas { $what }
dossier-does-exist = le dossier { $id } n'existe pas
log-does-start-vault-s-genesis = le journal ne commence pas par l'acte de création du coffre
genesis-after-first-entry = un acte de création après la première trace
genesis-signed-first-member = l'acte de création est signé par son premier membre
first-member-must-manage-staff = le premier membre doit gérer le personnel
active-member = « { $member } » n'est pas un membre actif
key = pas de clé « { $name } »
entitled = « { $member } » n'a pas droit à { $name }
signer-does-hold = le signataire ne détient pas { $name }
key-2 = pas de clé « { $key } »
signer-does-hold-2 = le signataire ne détient pas { $key }
key-generation-out-order = une génération de clé hors d'ordre
signer-does-hold-audit-key = le signataire ne détient pas la clé d'audit
dossier-exists-already = le dossier { $dossier } existe déjà
only-manager-creator-closes-dossier = seul un·e responsable ou la personne qui l'a créé clôt un dossier
only-team-manager-creator-changes-care = seul un·e responsable d'équipe ou la personne qui a créé le dossier change l'équipe pluridisciplinaire
break-glass-opened-own-member = un bris de glace est ouvert par le membre lui-même
break-glass-window-longer-than-policy = une durée de bris de glace plus longue que ce que la politique permet
data-key-named-without-label = une clé de données nommée sans son libellé
signer-may-make-key = le signataire ne peut pas créer la clé { $key }
content-change-one-entry-written-amended = une modification de contenu est l'écriture de notes ou la modification d'une seule note
signer-dossier-s-care-team = le signataire ne fait pas partie de l'équipe pluridisciplinaire du dossier
staff-id-valid = un identifiant de membre du personnel invalide
new-member-must-active = un nouveau membre doit être actif
revocation-final = une révocation est définitive
only-recovery-key-gives-member-new = seule la clé de secours donne une nouvelle identité à un membre
unknown-member = membre inconnu
cannot-open-journal = ouverture du journal des écritures impossible : { $reason }
cannot-create-journal = création du journal des écritures impossible : { $reason }

## Policy labels
policy-label-missing = { $what ->
    [category] la catégorie
    [kind] le type de note
    [profession] la profession
   *[field] la rubrique
} « { $id } » n'a pas de { $key } (son libellé en { $lang ->
    [fr] français
   *[en] anglais
}) : chaque catégorie, type de note, profession et rubrique demande label (français) et label_en (anglais)
policy-label-empty = { $what ->
    [category] la catégorie
    [kind] le type de note
    [profession] la profession
   *[field] la rubrique
} « { $id } » : { $key } est vide
policy-field-label-missing = type de note « { $id } » : la rubrique « { $name } » n'a pas de libellé : ajoutez [fields.{ $name }] avec label (français) et label_en (anglais)
policy-field-name-invalid = le nom de rubrique « { $name } » est invalide
policy-language-unknown = langue inconnue « { $value } » : écrivez language = "fr" ou "en"

## Actions tracées, rubriques non communiquées, avertissements (src/i18n/words.rs)
action-dossier-read = a consulté le dossier
action-dossier-find = a trouvé le dossier par une recherche de nom
action-entry-read = a lu une note
action-entry-history = a consulté les versions d'une note
action-entry-add = a écrit une note
action-entry-amend = a corrigé une note
action-dossier-create = a ouvert le dossier
action-break-glass-open = a ouvert le dossier en urgence (bris de glace)
action-team-add = a ajouté un·e professionnel·le à l'équipe pluridisciplinaire
action-audit-history = a consulté qui a accédé au dossier
action-audit-read = a consulté le journal d'audit
action-audit-release = a communiqué à la personne les justifications des accès en urgence
action-access-export = a exporté le dossier pour la personne
action-other = { $id }
action-refused = s'est vu refuser : { $what }
action-failed = échec : { $what }
withheld-not-permitted = non autorisé pour votre profession
withheld-author-only = lisible par son auteur seulement
withheld-pending = accès en attente : la clé ne vous a pas encore été remise
withheld-not-under-break-glass = jamais ouvert par le bris de glace
withheld-objection = la personne s'oppose à son partage avec votre profession
withheld-from-person = non communiqué à la personne elle-même (voir le motif légal)
warning-loose-permissions = { $path } avait les droits { $mode } : d'autres comptes de cette machine pouvaient y accéder ; { $fixed ->
    [yes] rendu privé (propriétaire seulement)
   *[no] impossible de le modifier : réservez le dossier du coffre et ses fichiers à leur propriétaire (chmod -R go-rwx)
}
warning-damaged-snapshot-moved = l'instantané de la base { $file } était abîmé (une panne de stockage, pas une falsification) : déplacé vers { $moved_to } et reconstruit depuis le journal de la base ; aucune donnée n'a été perdue
warning-damaged-snapshot-kept = l'instantané de la base { $file } est abîmé (une panne de stockage, pas une falsification) : cette vérification l'a reconstruit dans une copie temporaire ; la prochaine commande coffre lancée avec droit d'écriture le remplace
warning-unrecorded-entries = les traces { $first } à { $last } { $journal ->
    [yes] ont été reprises du journal des écritures après une interruption (un plantage ou une coupure de courant, ou un journal écrit par quelqu'un ayant accès au disque)
   *[no] ont été trouvées au-delà de la fin enregistrée du journal (écrites hors de coffre, ou une écriture interrompue)
} ; leur signataire ne s'en est pas encore porté garant ; la prochaine commande coffre qui ouvre le coffre les reprend et les signale dans le journal
warning-unapplied-changes = { $count ->
    [one] { $count } modification du journal des écritures pas encore appliquée
   *[other] { $count } modifications du journal des écritures pas encore appliquées
} ; ouvrez le coffre avec coffre (n'importe quelle commande) pour les appliquer
cli-person-trail-kept = Cet historique des accès est conservé { $retention } (recommandation de la CNIL sur la journalisation) ; les entrées plus anciennes sont effacées.
period-days = { $n ->
    [one] { $n } jour
   *[other] { $n } jours
}
period-months = { $n } mois
period-years = { $n ->
    [one] { $n } an
   *[other] { $n } ans
}
period-as-written = { $text }
duration = { $days ->
    [0] { $hours ->
        [0] { $minutes } minutes
       *[other] { $hours } h { $minutes } min
    }
   *[other] { $days } jours { $hours } h
}

## La commande coffre (src/bin/coffre)
cli-warning = attention : { $text }
cli-weak-kdf = attention : cette phrase de passe utilise une dérivation de clé faible (--insecure-fast-kdf) : réservée aux tests et aux démonstrations
cli-clock-warning = attention : { $finding } : vérifiez l'horloge du système (les effacements liés aux durées sont refusés tant qu'elle n'est pas juste, ou confirmés avec --confirm-clock)
cli-granted-key = clé « { $key } » remise à { $staff }
cli-yes = oui
cli-no = non
cli-nothing = rien
cli-policy-valid = { $file } : valide ({ $categories } catégories, { $professions } professions, { $kinds } types de note)
cli-explain-head = { $user } ({ $profession }), dossier { $dossier } : { $in_team ->
    [yes] membre
   *[no] PAS membre
} de l'équipe pluridisciplinaire{ $break_glass ->
    [yes] {" "}; peut recourir au bris de glace en cas d'urgence
   *[no] {""}
}
cli-explain-col-category = catégorie
cli-explain-col-policy = politique
cli-explain-col-key = clé
cli-explain-col-now = lisible maintenant
cli-explain-policy = { $value ->
    [read] lecture
    [write] écriture
    [author-only] auteur·rice seul·e
    [none] aucun accès
   *[other] { $value }
}
cli-explain-key = { $value ->
    [held] détenue
    [pending] en attente
    [not-entitled] sans droit à cette clé
    [per-author] une par auteur·rice
    [none] aucune
   *[other] { $value }
}
cli-backup-intact = sauvegarde intacte : coffre { $vault }, faite le { $taken }, { $records } enregistrements, { $files } fichiers, journal d'audit vérifié ({ $entries } traces)
cli-restored = coffre { $vault } restauré dans { $dir } depuis la sauvegarde du { $taken } : { $records } enregistrements, journal d'audit vérifié ({ $entries } traces)
cli-audit-intact = journal d'audit intact : { $entries } traces, { $checkpoints } points de contrôle signés, racine { $root }
cli-audit-extends = prolonge le point de contrôle donné de { $size } traces (preuve de cohérence de { $proof } empreintes vérifiée)
cli-audit-unsigned = remarque : les { $unsigned } dernières traces ne sont pas encore couvertes par un point de contrôle signé (signé à la prochaine commande)
cli-checkpoint-written = point de contrôle de { $size } traces signé par { $signer } écrit dans { $path }
cli-recovery-written = clé de secours écrite dans { $path } — sortez-la de cette machine
cli-recovery-shown = CLÉ DE SECOURS (affichée une seule fois ; conservez-la hors ligne, puis effacez cet écran) :
cli-vault-created = coffre { $vault } créé dans { $dir }
cli-genesis = acte de création { $genesis } (l'identité du coffre : gardez-le avec la clé de secours ; chaque point de contrôle le cite)
cli-staff-added = membre du personnel { $id } ajouté
cli-keys-pending-none = Vous avez reçu toutes les clés de votre profession.
cli-staff-pending = accès en attente pour : { $keys } (remis quand un·e détenteur·rice ouvre sa session, ou tout de suite avec --recovery-key)
cli-staff-list-pending = en attente : { $keys }
cli-staff-status = { $status ->
    [active] actif·ve
    [revoked] révoqué·e
   *[other] { $status }
}
cli-team-added = { $staff } ajouté·e à l'équipe pluridisciplinaire de { $id }
cli-entry-amended = { $entry } corrigée : version { $version }
cli-imported = { $written } notes importées{ $skipped ->
    [0] {""}
   *[other] {" "}({ $skipped } importées plus tôt depuis ce fichier ont été sautées)
}
cli-version-line = version { $version }  par { $author }  le { $time }
cli-released = { $released } justification(s) du dossier { $dossier } communiquée(s) à la personne (traces jusqu'à la { $up_to }).
cli-released-unreadable = { $unreadable } justification(s) n'ont pas pu être ouvertes avec vos clés d'audit et n'ont pas été communiquées.
cli-released-no-person-access = La personne n'a pas encore d'accès personnel : ses exports montrent les justifications ; après `access grant`, communiquez-les à nouveau pour son propre accès.
cli-history-head = Qui a accédé au dossier { $dossier } ({ $count } événements) :
cli-justification-words = justification, dans ses propres mots : « { $text } »
cli-passphrase-changed = phrase de passe changée ; l'ancienne ne fonctionne plus
cli-revoked = { $id } révoqué·e : ne peut plus ouvrir de session
cli-approval-refused = accord pour { $id } refusé (inscrit au journal d'audit)
cli-approval-request = { $id } ({ $profession }) a été ajouté·e par { $invited_by } le { $invited } ; en attente : { $keys }
cli-approved = accord donné à { $id } pour { $keys }
cli-profession-set = { $id } est désormais { $profession }
cli-backup-written = sauvegarde écrite dans { $path } : { $records } enregistrements, { $entries } traces d'audit, chiffrée pour la clé de secours
cli-share-file-head = Part { $n } sur { $shares } de la clé de secours de Coffre ({ $threshold } nécessaires). Gardez-la à part des autres.
cli-shares-written = { $shares } parts écrites dans { $dir } ({ $threshold } nécessaires pour reconstituer la clé) ; confiez-les à des personnes différentes, puis détruisez le fichier de la clé
cli-recover-how-file = fichier de la clé de secours
cli-recover-how-shares = reconstituée à partir de { $count } parts
cli-recovered = { $staff } a une nouvelle phrase de passe ; ses clés lui ont été remises avec la clé de secours ({ $how })
cli-check-summary = { $records } enregistrements, { $checked } rubriques chiffrées intactes, { $unchecked } non vérifiées (pas de clé : --recovery-key pour tout vérifier), { $damaged } abîmées
cli-check-damaged = ABÎMÉ { $item } : { $reason }
cli-rotate-progress = { $done }/{ $total } clés de données
cli-rotated = { $done } clé(s) de données re-protégée(s) ; { $skipped } laissée(s) aux détenteur·rice·s d'autres catégories
cli-dossier-closed = dossier { $id } clos : sa durée de conservation commence aujourd'hui
cli-dossier-erased = dossier { $id } effacé : ses clés sont détruites
cli-retention-dry-run = simulation : { $count } dossier(s) seraient effacés (ajoutez --yes) :
cli-retention-erased = { $count } dossier(s) effacé(s) :
cli-prompt-passphrase = Phrase de passe de { $who } :
cli-prompt-new-passphrase = Nouvelle phrase de passe pour { $who } :
cli-prompt-repeat = Tapez-la une seconde fois :
cli-prompt-person = la personne du dossier { $dossier }
cli-prompt-export = l'export
cli-prompt-dossier = dossier { $dossier }
cli-access-granted = accès personnel au dossier { $dossier } ouvert
cli-access-missing = pas encore lisible par la personne : { $keys } (suivra quand un·e détenteur·rice de ces clés travaillera sur le dossier, ou tout de suite avec --recovery-key)
cli-export-written = export du dossier { $dossier } écrit dans { $path } : { $entries } notes, { $events } accès, { $withheld } rubrique(s) non communiquée(s)
cli-objection-recorded = opposition enregistrée : « { $category } » n'est plus partagé avec « { $profession } » pour le dossier { $dossier }
cli-objection-recorded-person = opposition enregistrée : « { $category } » n'est plus partagé avec « { $profession } »
cli-person-who = { $name }, né(e) le { $birthdate }
cli-person-head = Votre dossier { $id } — { $who }
cli-person-entry = { $kind } ({ $created }) version { $version }
cli-person-withheld = { $field } : non communicable ({ $category })
cli-person-history-head = Qui a consulté ou modifié votre dossier :
cli-rotation-pending = renouvellement en attente : { $key } ({ $reason }) — fait quand un·e détenteur·rice de cette clé ouvre sa session, ou avec --recovery-key
cli-no-dossier = aucun dossier
cli-retention-item = { $dossier }  clos le { $closed }  règle { $rule }  conservé { $years } ans ({ $because })  échéance { $due }{ $past_due ->
    [yes] {"  "}ÉCHÉANCE DÉPASSÉE
   *[no] {""}
}
cli-audit-break-glass = BRIS-DE-GLACE
cli-audit-justification = justification (dans les mots de la personne) : « { $text } »
cli-summary-born = { $name } (né(e) le { $birthdate })
cli-summary-name-withheld = (nom non communiqué)
cli-summary-not-in-team = (hors de votre équipe pluridisciplinaire)
cli-entry-head = note { $id }  type { $kind }  version { $version }  par { $author }  le { $time }
cli-field-withheld = {"  "}{ $field } [{ $category }] : NON COMMUNIQUÉ ({ $reason })
cli-dossier-who = { $name }, né(e) le { $birthdate }
cli-dossier-identity-withheld = identité non communiquée
cli-dossier-head = dossier { $id } : { $who }
cli-dossier-break-glass = ACCÈS PAR BRIS DE GLACE : tracé et signalé au délégué à la protection des données (DPO)
cli-dossier-no-entry = pas encore de note
cli-policy-head = politique { $name } (format { $format })
cli-policy-break-glass = le bris de glace dure { $hours } heures
cli-policy-categories = catégories :
cli-policy-author-only = auteur seul
cli-policy-withheld = non communiqué à la personne
cli-policy-professions = professions (W écriture+lecture, R lecture) :
cli-policy-may = peut : { $caps }
cli-policy-kinds = types de note :
cli-policy-field = { $name } « { $label } » ({ $category })
key-name-category = { $category }
key-name-directory = annuaire du personnel
key-name-index = index des noms
key-name-audit = justifications du journal d'audit
key-name-to-approve = { $key } (accord d'un·e détenteur·rice requis)
rotation-reason-revoked = { $member } a été révoqué·e
rotation-reason-profession = { $member } a changé de profession
web-rotation-pending = renouvellement en attente : { $key } ({ $reason }) — fait quand un·e détenteur·rice de cette clé ouvre sa session
web-staff-pending-notice = accès en attente pour : { $keys } (remis quand un·e détenteur·rice de ces clés ouvre sa session)
web-not-in-team-break-glass = vous ne faites pas partie de l'équipe pluridisciplinaire de ce dossier ; en cas d'urgence, le bris de glace vous l'ouvre, avec une justification
web-author-the-person = la personne elle-même
web-note-ref = la note « { $kind } » du { $created }
web-versions-about = Note écrite par { $author } le { $time }, et ses corrections
capability-manage-staff = gérer le personnel
capability-create-dossier = créer des dossiers
capability-manage-team = gérer les équipes pluridisciplinaires
capability-read-audit = consulter le journal d'audit
capability-audit-reports = lire les rapports d'audit
capability-break-glass = recourir au bris de glace
capability-person-access = traiter les droits de la personne
capability-prune-audit = élaguer l'historique des accès
capability-erase = effacer des dossiers
auth-unknown-user = utilisateur·rice inconnu·e
auth-revoked = cet·te utilisateur·rice a été révoqué·e
auth-wrong-passphrase = phrase de passe incorrecte
auth-no-person-access = aucun accès personnel n'a été ouvert pour ce dossier

## Le rapport d'audit du DPO (src/audit/render.rs)
report-title = Rapport d'audit de Coffre ({ $scope })
report-scope = { $scope ->
    [full] rapport complet
   *[other] rapport agrégé
}
report-the-beginning = l'origine
report-now = maintenant
report-period = Période : depuis { $since } jusqu'à { $until }.
report-integrity = Intégrité du journal : { $integrity }.
report-totals = Traces { $entries } · consultations { $reads } · écritures { $writes } · refus { $denied } · bris de glace { $break_glass } · échecs d'ouverture de session { $failed } · consultations hors des heures de travail { $outside } · utilisations de la clé de secours { $recovery }
report-per-profession = Par profession (consultations / écritures / refus / dossiers consultés) :
report-per-person = Par personne (consultations / écritures / refus / dossiers consultés) :
report-per-profession-title = Par profession
report-per-person-title = Par personne
report-dossier = dossier { $id }
report-justification = justification, dans les mots de la personne : « { $text } »
report-break-glass = Accès par bris de glace
report-refusals = Refus
report-outside-hours = Consultations hors des heures de travail
report-bursts = Nombre inhabituel de dossiers consultés (au moins { $dossiers } en { $minutes } minutes) : { $count }
report-burst = { $name } ({ $actor }) : { $dossiers } dossiers de { $from } à { $to }
report-failed-unlocks = Échecs d'ouverture de session
report-recovery-uses = Utilisations de la clé de secours
report-adopted = Traces reprises sans signature (commande interrompue ou écriture extérieure)
report-aggregate-only = (Rapport agrégé : le détail par personne est réservé au délégué à la protection des données.)
report-none = Aucun.
report-col-time = Heure locale
report-col-who = Qui
report-col-profession = Profession
report-col-action = Action
report-col-dossier = Dossier
report-col-categories = Catégories
report-col-detail = Détail
report-col-entries = Traces
report-col-reads = Consultations
report-col-writes = Écritures
report-col-refusals = Refus
report-col-break-glass = Bris de glace
report-col-failed = Échecs de session
report-col-outside = Hors horaires
report-col-recovery = Clé de secours
report-col-dossiers-read = Dossiers consultés
report-purpose = Les traces d'audit ne contiennent jamais ce qui a été écrit. Se servir de ce journal pour évaluer le personnel le détournerait de sa finalité.
report-integrity-verified = vérifié ({ $entries } traces, { $checkpoints } points de contrôle signés)
report-section = { $title } : { $count }
you-care-team-dossier-break-glass = vous ne faites pas partie de l'équipe pluridisciplinaire du dossier { $dossier } (en cas d'urgence : --break-glass "justification")
action-unlock = a ouvert une session
action-staff-add = a ajouté un membre du personnel
action-staff-approve = a donné son accord aux clés restreintes d'un membre du personnel
action-staff-revoke = a révoqué un membre du personnel
action-key-grant = a remis une clé
action-key-create = a créé une clé
action-dossier-list = a consulté la liste de ses dossiers
action-dossier-close = a clôturé le dossier
action-dossier-erase = a effacé un dossier
action-team-list = a consulté l'équipe pluridisciplinaire
action-audit-report = a lu le rapport d'audit
action-audit-checkpoint-export = a exporté un point de contrôle du journal d'audit
action-audit-prune = a élagué l'historique des accès arrivé à échéance
action-audit-pruned = trace élaguée (durée de conservation atteinte)
action-audit-adopted = traces reprises dans le journal après une interruption
action-audit-recipient = a changé la clé des justifications du journal d'audit
action-access-grant = a ouvert à la personne son propre accès
action-access-keys = a remis à la personne les clés de son dossier
action-access-view = la personne a consulté son dossier
action-access-history = la personne a consulté l'historique des accès
action-access-note = a joint une note de la personne
action-access-object = a enregistré une opposition de la personne
action-staff-list = a consulté la liste du personnel
action-staff-passwd = a changé sa phrase de passe
action-staff-recover = a rétabli l'accès d'un membre du personnel
action-staff-set-profession = a changé la profession d'un membre du personnel
action-key-rotate = a renouvelé une clé
action-key-rewrap = a remis une clé renouvelée
action-vault-init = a créé le coffre
action-vault-check = a vérifié le coffre
action-vault-backup = a sauvegardé le coffre
action-vault-restore = a restauré le coffre
action-vault-migrate = a déplacé le coffre
action-index-rebuild = a reconstruit l'index des noms
action-recovery-split = a partagé la clé de secours
action-retention-apply = a effacé les dossiers arrivés à échéance
action-retention-list = a consulté les dossiers arrivés à échéance
action-clock-confirm = a confirmé l'heure du système
person-action-team-list = a consulté l'équipe pluridisciplinaire
person-action-access-keys = vous a remis les clés de votre dossier

## Détails inscrits en anglais au journal d'audit, relus pour le lecteur (src/i18n/recorded.rs)
recorded-staff-add-recovery = profession { $profession }, clés remises avec la clé de secours
recorded-approved-recovery = accord pour { $keys } (avec la clé de secours)
recorded-approved = accord pour { $keys }
recorded-key-recovery = { $key } (avec la clé de secours)
recorded-key-rotated = { $category } : génération { $generation }, remise à { $count } membre(s)
recorded-with-recovery-key = avec la clé de secours
recorded-search-none = la recherche par nom n'a trouvé aucun dossier
recorded-search-in-team = la recherche par nom a trouvé { $count } dossier(s) ; celui-ci dans l'équipe pluridisciplinaire
recorded-search-outside = la recherche par nom a trouvé { $count } dossier(s) ; celui-ci hors de l'équipe pluridisciplinaire, accessible par bris de glace
recorded-person-keys = clés du dossier remises à la personne
recorded-person-keys-removed = clés du dossier remises à la personne ; clés des catégories non communiquées retirées : { $keys }
recorded-keys-to-rotate = clés à renouveler : { $keys }
recorded-open-until = ouvert jusqu'au { $until }
recorded-break-glass-at = bris de glace ouvert à la trace { $seq }
recorded-within-break-glass = dans le cadre du bris de glace ouvert à la trace { $seq }

## Descriptions de --help (src/bin/coffre/lang.rs)
help-root = Coffre : le dossier de l'usager chiffré et tracé, pour les établissements sociaux et médico-sociaux.
help-init = Créer un coffre avec son premier membre du personnel (un·e responsable) et une clé de secours
help-staff = Gérer le personnel
help-dossier = Créer, retrouver et consulter les dossiers
help-entry = Écrire, lire et corriger les notes
help-audit = Vérifier et consulter le journal d'audit
help-policy = Afficher et expliquer la politique déontologique
help-access = Les droits de la personne : export, accès personnel, notes, oppositions
help-retention = Durées de conservation : dossiers à effacer
help-keys = Entretien des clés
help-backup = Sauvegarder tout le coffre dans un fichier chiffré pour la clé de secours (`backup --out FICHIER`), ou vérifier une sauvegarde (`backup verify FICHIER`)
help-check = Vérifier chaque enregistrement, le journal d'audit et chaque rubrique chiffrée que vous (ou la clé de secours) pouvez ouvrir ; lister ce qui est abîmé (code de sortie 5 si quelque chose l'est)
help-recovery = La clé de secours : la partager en parts confiées à des personnes différentes
help-recover = Donner une nouvelle phrase de passe à un membre du personnel qui a perdu la sienne, en lui remettant ses clés avec la clé de secours (reconstituée à partir des parts, ou le fichier de la clé)
help-restore = Reconstruire un coffre à partir d'une sauvegarde dans un nouveau dossier (--vault DOSSIER)
help-demo = Construire un établissement de démonstration avec des personnes fictives et montrer ce que voit chaque profession
help-staff-add = Ajouter un membre du personnel (sa phrase de passe est demandée deux fois, ou lue dans COFFRE_NEW_PASSPHRASE)
help-staff-list = Lister le personnel et les clés en attente
help-staff-passwd = Changer votre phrase de passe (l'actuelle comme d'habitude ; la nouvelle demandée deux fois, ou COFFRE_NEW_PASSPHRASE). L'ancienne cesse de fonctionner
help-staff-revoke = Révoquer un membre du personnel : plus d'ouverture de session ; les clés qu'il détenait sont renouvelées
help-staff-approve = Donner votre accord aux clés restreintes (médical, soins, synthèse du psychologue, justice…) que vous détenez pour un nouveau membre : montre qui l'a ajouté, sa profession et quand, puis remet les clés. Rien de restreint n'est jamais remis sans cet accord
help-staff-set-profession = Changer la profession d'un membre du personnel (remises et renouvellements de clés suivent)
help-dossier-create = Créer un dossier ; affiche son identifiant seul sur une ligne
help-dossier-find = Retrouver des dossiers par le nom (mots entiers, ou leurs 3 à 10 premières lettres ; majuscules et accents ignorés)
help-dossier-list = Lister les dossiers de vos équipes pluridisciplinaires
help-dossier-show = Afficher un dossier : les rubriques que vous pouvez lire, les autres signalées comme non communiquées
help-dossier-team = Gérer l'équipe pluridisciplinaire d'un dossier
help-dossier-close = Enregistrer la fin de l'accompagnement : la durée de conservation commence
cli-erase-needs-yes = l'effacement du dossier { $id } est définitif : sans terminal pour le confirmer, ajoutez --yes ; rien n'a été effacé
cli-erase-what = Le dossier { $id } va être effacé définitivement : ses clés sont détruites, et plus personne, pas même avec la clé de secours, ne pourra lire ses notes dans ce coffre. Seul l'effacement, avec son motif, reste dans le journal d'audit.
cli-erase-prompt = Pour confirmer, tapez le numéro du dossier :
cli-erase-not-confirmed = ce n'est pas le numéro du dossier { $id } : rien n'a été effacé
help-dossier-erase--yes = Effacer sans demander (scripts) : c'est définitif
help-dossier-erase = Effacer définitivement un dossier en détruisant ses clés
help-entry-add = Écrire une note ; affiche son identifiant seul sur une ligne
help-entry-show = Afficher une note
help-entry-history = Afficher chaque version d'une note (les corrections gardent le texte précédent)
help-entry-amend = Corriger une note : ajoute une version, n'écrase jamais
help-entry-import = Importer de nombreuses notes depuis un fichier JSON Lines, une note par ligne. Tout le fichier est d'abord vérifié ; les notes sont ensuite écrites par groupes, chacun tracé et enregistré en une fois. Affiche le nombre importé
help-audit-prune = Élaguer l'historique des accès plus ancien que la durée `[audit] trail_retention` de la politique (recommandation de la CNIL sur la journalisation, 2021) : chaque trace concernée ne garde que son empreinte, si bien que chaque racine et chaque point de contrôle se vérifient encore ; les faits (personnel, clés, équipes, accès) ne sont jamais élagués. Simulation sans --yes. Les traces postérieures au dernier point de contrôle exporté avec `audit checkpoint --out` sont gardées, sauf avec --beyond-export. Réservé aux professions qui peuvent élaguer
help-backup-verify = Vérifier une sauvegarde sans la restaurer : déchiffrement, chaque élément comparé au manifeste, et le journal d'audit qu'elle contient
help-dossier-team-add = Ajouter un membre du personnel à l'équipe pluridisciplinaire
help-dossier-team-list = Lister l'équipe pluridisciplinaire
help-audit-verify = Vérifier chaque trace, chaque point de contrôle signé et, avec --since, que le journal d'aujourd'hui prolonge un point de contrôle antérieur (code de sortie 5 à la moindre altération). Sans phrase de passe
help-audit-checkpoint = Exporter le dernier point de contrôle signé, à conserver hors de la machine (papier, courriel)
help-audit-log = Afficher les traces d'audit (lecteur·rice·s d'audit seulement ; cette consultation est elle-même tracée)
help-audit-history = L'historique des accès de la personne : qui a consulté ou modifié son dossier, quand, quelles catégories et pourquoi (lecteur·rice·s d'audit seulement)
help-audit-release-justifications = Communiquer à la personne les justifications de bris de glace inscrites à son dossier, après avoir vérifié que leurs mots peuvent être montrés (ils peuvent nommer des tiers). Lecteur·rice·s d'audit seulement ; la communication est elle-même tracée
help-audit-report = Le rapport du délégué à la protection des données (DPO) (chiffres agrégés seulement pour la direction)
help-policy-show = Afficher la politique en vigueur (celle du coffre, ou celle livrée par défaut sans coffre)
help-policy-explain = Expliquer l'accès d'un membre du personnel à un dossier, catégorie par catégorie
help-policy-check = Vérifier un fichier de politique et signaler le premier problème avec sa ligne
help-access-export = Écrire le dossier de la personne, chiffré avec age, pour qu'elle l'emporte (report.html, data.json, access-history.json dans une archive tar)
help-access-grant = Ouvrir à la personne son propre accès à son dossier (fixe sa phrase de passe)
help-access-view = Pour la personne : voir votre dossier et qui y a accédé (sans --user ; votre phrase de passe)
help-access-note = Joindre la note de la personne (par exemple son désaccord avec une note). Sans --user, la personne l'écrit avec son propre accès
help-access-object = Enregistrer l'opposition de la personne au partage d'une catégorie avec une profession. Sans --user, la personne l'enregistre avec son propre accès
help-retention-due = Dossiers clos dont la durée de conservation est dépassée
help-retention-apply = Effacer les dossiers dont la durée est dépassée (simulation sans --yes)
help-keys-rotate = Re-protéger les clés de données sous la génération actuelle de la clé de leur catégorie après un renouvellement (reprend là où il s'était arrêté ; affiche l'avancement)
help-keys-waiting = Les clés que vous attendez encore, et qui détient chacune (par son nom)
help-recovery-split = Partager la clé de secours en N parts, dont K suffisent à la reconstituer (par exemple la direction, le DPO et une enveloppe scellée). Écrit share-1.txt … share-N.txt
help-arg-vault = Le coffre : un dossier, ou une base PostgreSQL (postgres://UTILISATEUR@HÔTE/BASE?sslmode=verify-full) partagée par plusieurs sites (par défaut : un dossier dans le dossier de données du système)
help-arg-user = Votre identifiant de membre du personnel
help-arg-json = Afficher du JSON lisible par une machine
help-arg-wait = Si un autre processus coffre a ouvert le coffre, attendre jusqu'à ce nombre de secondes
help-arg-lang = La langue des messages : fr ou en (par défaut : COFFRE_LANG, puis la langue du système, puis celle de la politique)
help-version-flag = Afficher la version
help-default = par défaut : { $value }
help-possible-values = valeurs possibles : { $values }
help-env = variable d'environnement : { $name }
# La description de chaque argument dans --help : help-<commande>--<identifiant de l'argument>.
help-access-export--dossier = Identifiant du dossier
help-access-export--out = Le fichier à créer
help-access-export--passphrase = Chiffrer avec une phrase de passe (demandée deux fois, ou lue dans COFFRE_NEW_PASSPHRASE)
help-access-export--recipient = Chiffrer pour ce destinataire age (age1…)
help-access-export--recovery_key = Ouvrir avec la clé de secours les catégories que vous ne détenez pas
help-access-grant--dossier = Identifiant du dossier
help-access-grant--recovery_key = Envelopper toutes les clés d'un coup avec la clé de secours
help-access-note--dossier = Identifiant du dossier
help-access-note--entry = La note qu'elle concerne
help-access-note--text = Le texte de la note
help-access-object--category = Catégorie
help-access-object--dossier = Identifiant du dossier
help-access-object--profession = Profession
help-access-view--dossier = L'identifiant de votre dossier
help-audit-checkpoint--out = Où l'écrire (un nouveau fichier)
help-audit-history--dossier = Identifiant du dossier
help-audit-log--action = Seulement cette action (par ex. dossier.read)
help-audit-log--actor = Seulement cette personne
help-audit-log--dossier = Seulement ce dossier
help-audit-log--outcome = Seulement ce résultat : ok, denied (refusé), failed (échoué), error (erreur)
help-audit-log--since = À partir de ce jour (14/05/2012, minuit UTC) ou de cet instant (RFC 3339)
help-audit-log--until = Jusqu'à cette date ou cet instant (exclu)
help-audit-prune--beyond_export = Effacer aussi les entrées que le dernier point de contrôle exporté ne couvre pas
help-audit-prune--confirm_clock = Continuer bien que l'horloge du système semble fausse (consigné dans le journal)
help-audit-prune--yes = Effacer (sinon, seulement dire ce qui serait effacé)
help-audit-release-justifications--dossier = Identifiant du dossier
help-audit-report--format = Format de sortie
help-audit-report--since = À partir de ce jour (14/05/2012, minuit UTC) ou de cet instant (RFC 3339)
help-audit-report--until = Jusqu'à cette date ou cet instant (exclu)
help-audit-verify--since = Un point de contrôle exporté plus tôt avec `audit checkpoint --out`
help-audit-verify--genesis = L'empreinte de genèse du coffre (affichée par `init`, dans le fichier de la clé de secours) : un journal reconstruit de zéro est refusé
help-backup--out = Le fichier de sauvegarde à créer
help-backup-verify--file = Le fichier de sauvegarde
help-backup-verify--recovery_key = Le fichier de la clé de secours
help-check--recovery_key = Ouvrir chaque champ scellé avec la clé de secours
help-check--sweep_chunks = Supprimer les blocs de document qu'aucune version enregistrée ne nomme (laissés par un envoi dont le processus a été tué) ; un envoi encore en cours quand ils disparaissent échoue à sa fin et doit être refait
help-demo--dir = Où construire le coffre de démonstration (par défaut : un nouveau dossier temporaire)
help-demo--listen = Avec --serve : l'adresse d'écoute
help-demo--serve = Puis le servir dans un navigateur (`coffre serve` sur le coffre de démonstration)
help-dossier-close--id = Identifiant du dossier
help-dossier-close--rule = Règle de conservation (voir `coffre policy show` ; par défaut : celle de la politique)
help-dossier-create--birthdate = Date de naissance, JJ/MM/AAAA (par exemple 14/05/2012)
help-dossier-create--name = Nom complet de la personne
help-dossier-erase--id = Identifiant du dossier
help-dossier-erase--reason = Pourquoi (consigné, chiffré, dans le journal d'audit)
help-dossier-find--text = Mots du nom
help-dossier-show--break_glass = Accès d'urgence (bris de glace) hors de votre équipe pluridisciplinaire, avec une justification
help-dossier-show--id = Identifiant du dossier
help-dossier-team-add--id = Identifiant du dossier
help-dossier-team-add--staff_id = Identifiant du membre du personnel
help-dossier-team-list--id = Identifiant du dossier
help-entry-add--dossier = Identifiant du dossier
help-entry-add--fields = NOM=VALEUR, NOM=@FICHIER (lire un fichier) ou NOM=@- (lire l'entrée standard)
help-entry-add--kind = Type de note (voir `coffre policy show`)
help-entry-amend--entry = Identifiant de la note
help-entry-amend--fields = NOM=VALEUR, NOM=@FICHIER ou NOM=@-
help-entry-history--break_glass = Accès d'urgence (bris de glace) hors de votre équipe pluridisciplinaire, avec une justification
help-entry-history--entry = Identifiant de la note
help-entry-import--file = Le fichier JSON Lines
help-entry-import--group = Notes par étape durable
help-entry-show--break_glass = Accès d'urgence (bris de glace) hors de votre équipe pluridisciplinaire, avec une justification
help-entry-show--entry = Identifiant de la note
help-init--admin_id = L'identifiant du premier membre du personnel (lettres minuscules, chiffres, '.', '_', '-')
help-init--admin_name = Le nom du premier membre du personnel
help-init--admin_profession = La profession du premier membre du personnel ; elle doit pouvoir gérer le personnel
help-init--establishment = Le nom de l'établissement
help-init--insecure_fast_kdf = Utiliser une dérivation de phrase de passe volontairement faible : tests et démonstrations seulement
help-init--policy = Utiliser ce fichier de politique au lieu de celui fourni
help-init--recovery_out = Écrire la clé de secours dans ce nouveau fichier (sinon elle est affichée une seule fois)
help-policy-check--file = Le fichier de politique
help-policy-explain--dossier = Identifiant du dossier
help-recover--recovery_key = Ou le fichier entier de la clé de secours
help-recover--shares = Un fichier de part (en donner au moins le seuil)
help-recover--staff = Le membre du personnel
help-recovery-split--out_dir = Un nouveau dossier pour les fichiers de parts
help-recovery-split--recovery_key = Le fichier de la clé de secours
help-recovery-split--shares = Nombre de parts à créer
help-recovery-split--threshold = Nombre de parts nécessaires pour reconstituer la clé
help-restore--file = Le fichier de sauvegarde
help-restore--recovery_key = Le fichier de la clé de secours (les sauvegardes sont chiffrées pour elle)
help-retention-apply--approval = La référence de l'approbation, quand la politique en demande une
help-retention-apply--confirm_clock = Effacer même si l'horloge du système est loin de la dernière entrée du journal d'audit (plus d'un jour avant, ou plus que `clock_max_ahead_days` de la politique après) ; la confirmation est consignée
help-retention-apply--yes = Effacer vraiment
help-retention-due--all = Lister tous les dossiers clos avec leur date d'échéance
help-serve--insecure_http = Écouter au-delà de cette machine sans TLS (les phrases de passe traverseraient le réseau en clair : seulement derrière un mandataire TLS sur la même machine)
help-serve--listen = L'adresse et le port d'écoute (port 0 : n'importe quel port libre)
help-serve--server_names = Un nom d'hôte par lequel les navigateurs joignent le serveur (répétable) ; les requêtes qui en nomment un autre sont refusées (DNS rebinding)
help-serve--tls_cert = La chaîne de certificats TLS (PEM) ; nécessaire pour écouter au-delà de cette machine
help-serve--tls_key = La clé privée TLS (PEM)
help-serve--trusted_proxies = L'adresse d'un mandataire inverse placé devant (répétable) : pour ses requêtes, l'adresse du client est la dernière que nomme son `X-Forwarded-For` (la limitation des tentatives de connexion compte par client, pas par mandataire)
help-serve--document_transfers = Envois et téléchargements de documents servis en même temps ; un de plus reçoit une réponse 503 (chacun occupe un fil d'exécution pendant le transfert)
help-serve--transfer_idle_secs = Secondes pendant lesquelles un envoi ou un téléchargement de document peut rester inactif (le navigateur n'envoie ou ne lit rien) avant d'être coupé
help-staff-add--id = Identifiant de connexion
help-staff-add--name = Nom complet
help-staff-add--profession = Identifiant de la profession (voir `coffre policy show`)
help-staff-add--recovery_key = Donner d'un coup toutes les clés auxquelles il ou elle a droit, avec le fichier de la clé de secours
help-staff-approve--id = Identifiant du membre du personnel
help-staff-approve--recovery_key = Approuver toutes les clés restreintes auxquelles il ou elle a droit, avec la clé de secours
help-staff-approve--refuse = Refuser plutôt (consigné dans le journal d'audit ; rien n'est accordé)
help-staff-revoke--id = Identifiant du membre du personnel
help-staff-revoke--recovery_key = Renouveler toutes les clés d'un coup avec la clé de secours
help-staff-set-profession--id = Identifiant du membre du personnel
help-staff-set-profession--profession = Nouvelle profession
help-staff-set-profession--recovery_key = Accorder et renouveler d'un coup avec la clé de secours

## L'export de la personne, report.html (src/vault/person/export.rs)
person-action-dossier-read = a consulté le dossier
person-action-dossier-find = a trouvé votre dossier en recherchant votre nom
person-action-entry-read = a consulté une note
person-action-team-add = a ajouté un professionnel à l'équipe
person-action-access-grant = vous a ouvert un accès personnel
person-action-access-view = consultation de votre dossier par vous-même
person-action-access-history = consultation de l'historique par vous-même
person-action-access-export = a préparé une copie de votre dossier
person-action-access-object = a enregistré une opposition
person-action-access-note = note ajoutée à votre demande
person-action-audit-release = a rendu consultables les justifications des accès d'urgence
person-action-audit-history = a consulté l'historique des accès
person-action-dossier-close = a clôturé le dossier
person-action-denied = accès refusé : { $what }
person-action-failed = tentative échouée : { $what }
export-title = Votre dossier
export-heading = Votre dossier — { $establishment }
export-intro = { $name }, né(e) le { $birthdate }. Dossier { $dossier }. Copie établie le { $date } par { $establishment }.
export-history-elsewhere = L'historique des accès à votre dossier (qui l'a consulté, quand) ne figure pas dans cette copie : vous le lisez avec votre accès personnel (Mon dossier), ou le ou la délégué·e à la protection des données vous le communique.
export-intro-own = { $name }, né(e) le { $birthdate }. Copie établie le { $date }, à votre demande, avec votre propre accès.
person-identity-not-yet = votre identité n'est pas encore lisible avec votre accès : l'établissement doit d'abord ouvrir votre dossier une fois ; réessayez plus tard
details-sex = Sexe
details-sex-f = Féminin
details-sex-m = Masculin
details-sex-x = Autre
details-admitted = Date d'admission
details-unit = Unité ou groupe
details-address = Adresse
export-details = Votre identité telle que l'établissement la conserve
export-contents = Ce que contient votre dossier
export-version = { $version ->
    [1] Écrit
   *[other] Correction (version { $version })
} le { $date } par { $who }
export-field-withheld = Information non communicable ({ $category }) : { $reason }
export-no-entry = Aucune note pour l'instant.
export-withheld-title = Ce qui ne vous est pas communiqué
export-withheld-nothing = Rien : toutes les informations de votre dossier figurent ci-dessus.
export-col-category = Catégorie
export-col-count = Nombre
export-col-reason = Raison
export-history-title = Qui a consulté ou modifié votre dossier
export-col-date = Date
export-col-who = Qui
export-col-what = Quoi
export-col-categories = Catégories
export-col-justification = Justification
export-emergency = accès d'urgence
export-rights-title = Vos droits et le traitement de vos données
export-purposes = Finalités :
export-recipients = Qui peut lire quoi (destinataires, au sein de l'équipe qui vous accompagne) :
export-retention = Durée de conservation :
export-trail-retention = Conservation de l'historique des accès :
export-source = Origine des informations :
export-your-rights = Vos droits :
export-complaint = Réclamation :
export-dpo = Délégué à la protection des données :
export-data-json = Le fichier data.json contient les mêmes informations dans un format lisible par une machine.
export-yourself = vous-même
export-justification-released = (justification communicable : consultez-la avec votre accès personnel ou auprès du délégué à la protection des données)
export-justification-kept = (justification enregistrée ; ses termes peuvent mentionner d'autres personnes et vous sont communiqués après examen par le délégué à la protection des données)
export-retention-rule = { $label } : { $years } ans après la fin de l'accompagnement ({ $source })
export-retention-at-least = { $category } : au moins { $years } ans
export-support-ended = Accompagnement terminé le { $date }.
export-support-ongoing = L'accompagnement est en cours.

## coffre demo (src/demo.rs)
demo-title = Démonstration de Coffre — toutes les personnes ci-dessous sont fictives.
demo-vault = Coffre de démonstration : { $dir }
demo-passphrase = Phrase de passe du personnel : { $passphrase } (dérivation de clé faible : démonstration seulement)
demo-establishment = IME Les Tilleuls (fictif)
demo-staff-added = Personnel ajouté : la direction + { $count } membres ; dossier { $dossier } créé pour un enfant fictif.
demo-entries = Notes : une admission (assistante sociale, complétée par le médecin), une synthèse et des notes personnelles de la psychologue, une note de transmission de l'éducatrice.
demo-each-profession = Ce que chaque profession voit du même dossier :
demo-identity = identité : { $name }
demo-identity-withheld = identité : non communiquée
demo-withheld = NON COMMUNIQUÉ : { $reason }
demo-refused-attempt = Une tentative refusée : l'éducatrice essaie d'écrire une note médicale.
demo-exit-code = { $error } (code de sortie { $code })
demo-break-glass = Bris de glace : une infirmière de nuit, hors de l'équipe pluridisciplinaire, ouvre le dossier en urgence.
demo-without-justification = sans justification : { $error }
demo-with-break-glass = avec --break-glass « { $justification } » :
demo-audit-trail = Le journal d'audit, tel que le lit le délégué à la protection des données (jamais aucun contenu) :
demo-break-glass-flag = BRIS-DE-GLACE
demo-verified = Journal d'audit vérifié : { $entries } traces, { $checkpoints } points de contrôle signés, racine de Merkle { $root }.
demo-try = Essayez : coffre --vault { $dir } --user e.petit dossier show { $dossier }
    (phrase de passe : COFFRE_PASSPHRASE={ $passphrase })
demo-logins = Identifiants pour le navigateur (phrase de passe du personnel : { $passphrase }) :
demo-person-login = La personne accompagnée, page « Mon dossier » (/moi/login) : dossier { $dossier }, phrase de passe { $passphrase }
demo-value-reason = Orientation MDPH ; la famille demande un accueil en semaine
demo-value-contacts = Mère : 06 00 00 00 00 (fictif)
demo-value-medical = Épilepsie traitée ; dernière crise en 2025
demo-value-alerts = Allergie à la pénicilline
demo-value-psy-synthesis = S'apaise quand les routines sont annoncées
demo-value-psy-notes = Données brutes des tests, séance 1 (auteur seul)
demo-value-daily = Bonne journée à l'atelier ; fatigué après le déjeuner
demo-value-never = ne doit jamais être enregistré
demo-value-justification = Crise nocturne, besoin des allergies et du traitement

## La durée de conservation de l'historique des accès (historique et rapport)
cli-trail-none-pruned = (l'historique des accès est conservé { $retention } ; rien n'a encore été effacé)
cli-trail-covers = (l'historique des accès couvre les accès depuis le { $from } ; il est conservé { $retention })
cli-trail-pruned = accès plus anciens effacés le { $when } par { $by } : { $count ->
        [one] { $count } entrée
       *[other] { $count } entrées
    } antérieures au { $cutoff }

## L'effacement de l'historique des accès
prune-fact-not-valid = l'entrée { $seq } du journal d'audit porte un effacement qui n'est pas valide : elle a été modifiée ou abîmée
pruned-line-damaged = l'entrée { $seq } du journal d'audit est une ligne effacée abîmée : le journal a été modifié
pruned-without-prune-fact = l'entrée { $seq } du journal d'audit a été effacée sans effacement signé qui la couvre (elle renvoie à l'entrée { $by }) : l'entrée a été supprimée ou remplacée
prune-fact-range-forged = l'effacement signé de l'entrée { $seq } du journal d'audit couvre des entrées qu'il ne peut pas couvrir : le journal a été falsifié
prune-fact-positions-differ = l'effacement signé de l'entrée { $seq } du journal d'audit ne correspond pas aux lignes qu'il couvre : un fait ou une entrée récente a été effacé, ou une ligne effacée a été modifiée
prune-completed-content-left = l'effacement de l'entrée { $seq } du journal d'audit est terminé mais { $count } des entrées qu'il couvre ont encore leur contenu : le journal a été modifié
policy-trail-retention-format = trail_retention doit s'écrire comme « 6 months », « 1 year » ou « 400 days »
policy-trail-retention-max = trail_retention ne peut pas dépasser 3 ans (recommandation de la CNIL sur la journalisation, 2021)
policy-trail-retention-reason = une trail_retention de plus d'un an demande une raison écrite dans trail_retention_reason (recommandation de la CNIL sur la journalisation, 2021)
genesis-pruned = l'entrée 1 du journal d'audit (sa genèse) a été effacée : le journal a été falsifié
prune-must-cover-earlier = un effacement ne peut couvrir que des entrées antérieures
prune-younger-than-retention = un effacement ne peut pas atteindre des entrées plus récentes que la durée de conservation de l'historique
export-must-precede = un point de contrôle exporté doit être antérieur au fait qui l'enregistre
release-must-precede = une levée ne couvre que des entrées antérieures au fait qui l'enregistre
passphrase-changed-own-member = seul le membre lui-même change sa phrase de passe
person-keys-without-access = des clés ne sont confiées à la personne que pour un dossier où elle a son propre accès (dossier { $dossier })
person-keys-categories-sorted = les catégories qu'un fait person-keys ajoute sont listées triées, chacune une fois
person-keys-signer-holds-keys = seul un membre qui détient ces clés, qui gère les droits de la personne, ou la clé de secours confie des clés à la personne
session-member-changed = { $user } a été révoqué·e, a changé de profession ou a reçu de nouvelles clés depuis la connexion : reconnectez-vous
person-session-credential-changed = l'accès personnel au dossier { $dossier } a été renouvelé ou retiré depuis la connexion : reconnectez-vous
cannot-clear-journal = impossible de vider le journal des modifications : { $reason }
rewrite-past-end-of-log = une réécriture irait au-delà de la fin du journal d'audit
cannot-replace-store-compacted = impossible de remplacer la base par sa copie compactée : { $reason }
cannot-finish-store-compaction = impossible de terminer le compactage de la base : { $reason }
exported-checkpoint-record-damaged = l'enregistrement du dernier point de contrôle exporté est abîmé
prune-fact-not-written = l'effacement signé n'a pas été écrit
prune-covered-lines-differ = les lignes couvertes par l'effacement signé de l'entrée { $seq } ne sont pas celles qu'il désigne
audit-entry-too-short = l'entrée { $seq } du journal d'audit est trop courte pour être une entrée
import-fact-not-content = une note importée porte un fait autre que son contenu

## L'historique des accès dans le rapport et la politique
report-trail-kept = l'historique des accès est conservé { $retention }
report-trail-kept-reason = l'historique des accès est conservé { $retention } ({ $reason })
report-trail-covers = Historique des accès : couvre les entrées depuis le { $from } ; { $kept }
report-trail-none = Historique des accès : { $kept } ; rien n'a encore été effacé
report-trail-pruned = accès plus anciens effacés le { $on } par { $by } : { $count ->
        [one] { $count } entrée
       *[other] { $count } entrées
    } antérieures au { $before } (fait signé à l'entrée { $fact })
report-col-pruned-on = Effacé le
report-col-pruned-by = Par
report-col-pruned-before = Antérieures au
report-col-pruned-fact = Fait signé
cli-policy-trail = l'historique des accès est conservé { $retention } ; les entrées plus anciennes sont effacées avec `audit prune`
cli-policy-trail-reason = l'historique des accès est conservé { $retention } (raison : { $reason }) ; les entrées plus anciennes sont effacées avec `audit prune`
cannot-mark-store-rewrite = impossible de noter que la base doit être réécrite : { $reason }
cannot-remove-store-rewrite-marker = impossible de retirer la marque de réécriture de la base : { $reason }
vault-closed-for-store-rewrite = le coffre a été fermé pour réécrire sa base ; ouvrez-le à nouveau

## audit prune
cli-prune-period = { $count ->
        [one] { $count } entrée
       *[other] { $count } entrées
    } datées du { $from } au { $to }
cli-prune-nothing = aucune entrée
cli-prune-done = effacé : { $period } (antérieures au { $cutoff }, conservation { $retention })
cli-prune-none = rien à effacer : { $period } (antérieures au { $cutoff }, conservation { $retention })
cli-prune-would = serait effacé : { $period } (antérieures au { $cutoff }, conservation { $retention })
cli-prune-held-back = { $count } entrées plus anciennes sont gardées : le dernier point de contrôle exporté ne couvre que { $limit } entrées (exportez-en un nouveau avec `audit checkpoint --out`, ou donnez --beyond-export)
prune-fact-dated-ahead = l'effacement en cours (entrée { $seq }) est daté du { $time }, plus d'un jour après l'horloge de cette machine : il n'est pas poursuivi (horloge avancée, ou entrée ajoutée à la main)
cli-checkpoint-not-recorded = (exporté sans ouvrir de session : `audit prune` n'en tient pas compte ; le DPO exporte avec --user pour fixer la limite de l'effacement)
cli-prune-vouched = l'horloge de cette machine est en avance sur l'activité des autres membres : le délai est compté à partir du { $time }, dernière activité d'un autre membre (les entrées plus récentes attendront ; --confirm-clock si l'horloge est juste)
cli-prune-dry-run = simulation : rien n'a changé ; ajoutez --yes pour effacer
field-commitment-differs = la valeur du champ { $field } n'est pas celle que son auteur a écrite (rescellée ou modifiée)
policy-web-idle-minutes = idle_minutes doit être compris entre 1 et 480 minutes
policy-web-max-hours = max_hours doit être compris entre 1 et 24 heures
policy-auth-second-factor = second_factor doit valoir "required", "optional" ou "required-remote"
policy-auth-person-second-factor = person_second_factor doit valoir "optional", "required" ou "none"

## coffre serve: the server
help-serve = Servir le coffre aux navigateurs : le personnel, le ou la DPO et la personne se connectent avec leur propre phrase de passe
serve-bad-listen = adresse d'écoute illisible : { $listen } (attendu ADRESSE:PORT, par exemple 127.0.0.1:8080)
serve-bad-tls-file = fichier TLS illisible ou invalide : { $path } (PEM attendu)
serve-cannot-listen = impossible d'écouter sur { $listen } : { $e }
serve-failed = le serveur s'est arrêté sur une erreur : { $e }
serve-insecure-warning = attention : HTTP sans TLS au-delà de cette machine ; les phrases de passe circulent en clair sur le réseau (à n'utiliser que derrière un mandataire TLS sur la même machine)
serve-listening = à l'écoute sur { $url } (Ctrl-C pour arrêter)
serve-needs-tls = écouter au-delà de cette machine demande TLS (--tls-cert et --tls-key), ou --insecure-http derrière un mandataire TLS
serve-no-randomness = le système ne fournit pas d'aléa
serve-person-only = cette page est réservée à la personne accompagnée
serve-session-broken = la session de ce navigateur est inutilisable ; reconnectez-vous
serve-staff-only = cette page est réservée au personnel
serve-stopped = serveur arrêté ; toutes les sessions sont fermées

## coffre serve: forms
web-form-unknown-kind = type de note inconnu : { $kind }
web-form-kind-not-writable = votre profession ({ $profession }) ne peut écrire aucun champ d'une { $kind }
web-form-unknown-field = le champ { $field } n'appartient pas au type { $kind }
web-form-field-too-long = le champ { $field } dépasse { $max } octets
web-form-empty = la note est vide : remplissez au moins un champ

## coffre serve: pages
web-skip = Aller au contenu
web-nav = Navigation principale
web-nav-dossiers = Dossiers
web-nav-audit = Contrôle (DPO)
web-nav-moi = Mon dossier
web-logout = Se déconnecter
web-home = Accueil
web-role-person = personne accompagnée
web-login-title = Connexion du personnel
web-login-user = Identifiant
web-login-passphrase = Phrase de passe
web-login-submit = Se connecter
web-login-person-link = Vous êtes la personne accompagnée ? Accéder à votre dossier
web-login-staff-link = Connexion du personnel
web-login-throttled = Trop de tentatives : attendez une minute avant de réessayer.
web-login-failed = Identifiant ou phrase de passe incorrect (ou compte qui n'est plus actif).
web-moi-note-by-staff = ajoutée pour vous par { $who }, membre du personnel
web-moi-login-title = Accéder à mon dossier
web-moi-login-dossier = Numéro de dossier
web-refused-csrf = Formulaire refusé : il ne vient pas de cette page ou a expiré. Rechargez la page et recommencez.
web-refused-origin = Formulaire refusé : il ne vient pas de ce site.
web-error-title = Action impossible
web-not-found = Page introuvable
web-not-found-text = Cette adresse ne correspond à aucune page de Coffre.
web-my-keys-title = Vos clés en attente
my-key-holders = { $key } : elle vous est remise dès que l'un·e de ces collègues ouvre Coffre : { $holders }.
my-key-no-holder = { $key } : personne ne la détient encore ; elle ne peut être remise qu'avec la clé de secours, par la personne qui la garde.
my-key-to-approve = { $key } : clé restreinte, elle doit d'abord être approuvée par un·e collègue qui la détient (page Personnel).
web-recent-title = Vos dossiers récents
web-recent-when = dernier passage le
web-bad-request = Cette demande n'a pas pu être lue : elle ne vient pas d'une page de Coffre ou a été modifiée. Revenez à l'accueil et recommencez.
web-bad-id-dossier = Cette adresse ne désigne aucun dossier : le numéro de dossier qu'elle contient n'est pas valide.
web-bad-id-note = Cette adresse ne désigne aucune note : le numéro de note qu'elle contient n'est pas valide.
web-bad-id-staff = Cette adresse ne désigne aucun membre du personnel : l'identifiant qu'elle contient n'est pas valide.
web-dossiers-title = Dossiers de mes équipes
web-dossiers-search = Rechercher par nom
web-dossiers-search-submit = Rechercher
web-dossiers-all = Tous mes dossiers
web-dossiers-none = Aucun dossier.
web-dossiers-none-for = Aucun dossier pour
web-dossier-title = Dossier
web-dossier-who = { $name }, né·e le { $birthdate }
web-dossier-write = Écrire une note
web-dossier-why = Pourquoi je vois ceci
web-dossier-empty = Aucune note dans ce dossier.
web-dossier-page-summary = Notes { $from } à { $to } sur { $shown }, les plus récentes d'abord.
web-dossier-page-summary-filtered = Notes { $from } à { $to } sur { $shown } (filtrées parmi { $all }), les plus récentes d'abord.
web-dossier-filters = Filtrer les notes
web-dossier-filter-all = Tous
web-dossier-filter-author = Auteur·rice
web-dossier-filter-submit = Filtrer
web-dossier-filter-clear = Toutes les notes
web-dossier-pages = Pages des notes
web-dossier-newer = ← Notes plus récentes
web-dossier-older = Notes plus anciennes →
web-dossier-alerts = Alertes et protocoles de soins
web-withheld = Non communiqué :
web-entry-amend = Corriger
web-entry-versions = versions
web-back-dossier = Retour au dossier
web-note-title = Écrire une note
web-amend-title = Corriger une note
web-note-kind = Type de note
web-note-choose-kind = Choisir ce type
web-note-change-kind = Changer de type (le texte saisi sera perdu)
web-note-save = Enregistrer la note
web-note-save-amend = Enregistrer la correction
web-versions-title = Versions de la note
web-break-glass-title = Bris de glace
web-break-glass-lead = Ce dossier n'est pas celui de vos équipes. En cas d'urgence, vous pouvez l'ouvrir pour { $hours } heures en écrivant pourquoi : votre justification est enregistrée et le ou la DPO la verra.
web-break-glass-justification = Justification (obligatoire)
web-break-glass-submit = Ouvrir le dossier en urgence
web-break-glass-ask = Ouvrir en urgence…
web-break-glass-names = Dossier n° { $id }.
web-break-glass-names-found = Dossier n° { $id }, trouvé par votre recherche « { $query } ».
web-break-glass-check = Une fois le dossier ouvert, le nom et la date de naissance de la personne s'affichent en tête : vérifiez qu'il s'agit bien d'elle.
web-break-glass-banner = Accès d'urgence (bris de glace) : ouvert pour { $hours } heures, enregistré avec votre justification.
web-explain-title = Pourquoi je vois ceci
web-explain-head = Votre profession : { $profession }. Dans l'équipe de ce dossier : { $in_team }. Bris de glace possible : { $break_glass }.
web-explain-caption = Ce que la politique de l'établissement vous permet de lire, catégorie par catégorie
web-history-when = Quand
web-history-who = Qui
web-history-what = Quoi
web-history-categories = Catégories
web-history-none = Aucun accès enregistré.
web-moi-title = Mon dossier
web-moi-file = Ce que contient mon dossier
web-moi-history = Qui a consulté mon dossier
web-moi-copy = Télécharger une copie lisible de mon dossier (à garder ou imprimer)
web-moi-export = Mes données pour une autre application (JSON)
web-moi-retention = Cet historique des accès est conservé { $retention } (recommandation de la CNIL sur la journalisation) ; les entrées plus anciennes sont effacées.
web-moi-note-title = Ajouter une remarque (par exemple un désaccord)
web-moi-note-about = À propos de
web-moi-note-about-none = Tout le dossier
web-moi-note-text = Ma remarque
web-moi-note-submit = Enregistrer ma remarque
web-moi-note-done = Votre remarque est enregistrée dans votre dossier.
web-moi-objection-title = M'opposer à un partage
web-moi-objection-category = Ce type d'information
web-moi-objection-profession = ne doit pas être partagé avec
web-moi-objection-submit = Enregistrer mon opposition
web-audit-title = Contrôle des accès
web-audit-verify = Intégrité du journal
web-audit-checkpoint = Télécharger le dernier point de contrôle signé
web-audit-history-title = Historique des accès à un dossier
web-audit-history-dossier = Numéro de dossier
web-audit-history-submit = Afficher
web-copy-link = Copie lisible pour la personne
web-copy-hint = Une page HTML du dossier tel que la personne peut le lire, à lui remettre ou à imprimer ; elle est en clair : supprimez-la du poste une fois remise
web-release-link = Rendre les justifications des accès d'urgence consultables par la personne
web-release-title = Communiquer les justifications à la personne
web-release-lead = Vous allez rendre consultables par la personne les justifications des accès d'urgence (bris de glace) à son dossier { $dossier }.
web-release-reads = La personne lira, dans l'historique de son dossier et dans sa copie, les mots de chaque justification enregistrée jusqu'ici.
web-release-third-parties = Relisez-les d'abord dans l'historique ci-dessus : une justification peut nommer un tiers.
web-release-later = Un accès d'urgence ultérieur demandera une nouvelle décision ; celle-ci remplace toute décision antérieure.
web-release-final = Une fois lues, les justifications ne peuvent pas être reprises. La décision est enregistrée dans le journal d'audit.
web-release-confirm = Communiquer les justifications
web-released-no-person-access = La personne n'a pas encore d'accès personnel : sa copie montre les justifications ; après l'ouverture de son accès, communiquez-les à nouveau.
web-keys-waiting-title = Des collègues attendent des clés que vous détenez
web-keys-waiting-ready = à remettre :
web-keys-waiting-approve = à approuver d'abord :
web-keys-waiting-approve-where = page du personnel
web-keys-hand-over = Remettre les clés maintenant
web-keys-handed = { $who } a reçu : { $keys }.
web-keys-none-handed = Aucune clé à remettre : vos collègues les ont déjà reçues.
web-nav-transmissions = Transmissions du jour
web-transmissions-title = Transmissions du jour
web-transmissions-intro = Les notes écrites aujourd'hui dans les dossiers de vos équipes, les plus récentes d'abord. Leur lecture est inscrite au journal, dossier par dossier.
web-transmissions-none = Aucune note écrite aujourd'hui dans les dossiers de vos équipes.
web-history-filters = Filtrer l'historique
web-history-from = Du
web-history-to = Au
web-history-profession = Profession
web-history-action = Action
web-history-filter-clear = Tout l'historique
web-history-pages = Pages de l'historique
web-history-newer = ← Accès plus récents
web-history-older = Accès plus anciens →
web-history-page-summary = Accès { $from } à { $to } sur { $shown } (parmi { $all } en tout), les plus récents d'abord.
web-history-page-summary-all = Accès { $from } à { $to } sur { $shown }, les plus récents d'abord.
web-date-placeholder = jj/mm/aaaa
web-audit-report = Rapport du ou de la DPO
web-audit-report-html = Rapport (HTML)
web-audit-report-json = Rapport (JSON)
web-nav-staff = Personnel
web-team-title = Équipe pluridisciplinaire
web-team-add = Ajouter à l'équipe
web-staff-title = Personnel
web-staff-name = Nom
web-staff-profession = Profession
web-staff-status = État
web-staff-actions = Actions
web-staff-pending = clés en attente :
web-staff-approve = Approuver
web-staff-refuse = Refuser
web-staff-revoke = Révoquer
web-confirm-cancel = Annuler, ne rien changer
web-revoke-title = Révoquer un membre du personnel
web-revoke-lead = Révoquer { $name } ({ $id }, { $profession }) ?
web-revoke-no-login = { $name } ne pourra plus se connecter à Coffre, ni ouvrir ou écrire aucun dossier, dès maintenant (une session ouverte prend fin à sa prochaine action).
web-revoke-keys = Les clés des catégories que cette personne détenait sont remplacées : les notes écrites ensuite ne s'ouvrent plus avec ses anciennes clés.
web-revoke-trail = Ce qu'elle a lu et écrit reste au journal d'accès, sous son nom.
web-revoke-final = Une révocation est définitive : elle ne peut pas être annulée. Pour redonner un accès, il faudra créer un nouveau compte.
web-revoke-confirm = Révoquer { $name } définitivement
web-staff-new-profession = Nouvelle profession
web-staff-set-profession = Changer de profession
web-staff-add-title = Ajouter un membre du personnel
web-staff-initial-passphrase = Phrase de passe initiale (à lui transmettre en main propre)
web-staff-add = Ajouter


## Tableau de bord du DPO : images SVG (src/web/charts.rs)
chart-accesses-title = Accès aux dossiers par jour et par profession
chart-accesses-desc = Consultations et écritures réussies, par jour, du { $from } au { $to }, empilées par profession : { $total } en tout.
chart-hours-title = Consultations par heure de la journée
chart-hours-desc = Heure locale ({ $timezone }). La bande grise marque les heures de travail, de { $start } h à { $end } h{ $weekends ->
    [yes] {""}, du lundi au vendredi
   *[no] {""}
}. { $outside ->
    [0] Aucune consultation
    [one] Une consultation
   *[other] { $outside } consultations
} hors des heures de travail sur { $total }.
chart-refusals-title = Refus par jour
chart-refusals-desc = Demandes refusées par la politique, par jour, du { $from } au { $to } : { $total } en tout.
chart-failed-title = Échecs d'ouverture de session par jour
chart-failed-desc = Phrases de passe refusées, par jour, du { $from } au { $to } : { $total } en tout.
chart-break-glass-title = Bris de glace et leurs justifications
chart-break-glass-desc = { $count ->
    [0] Aucun bris de glace sur la période.
    [one] Un bris de glace sur la période, numéroté sur la frise des jours puis détaillé avec la justification de la personne, dans ses mots.
   *[other] { $count } bris de glace sur la période, numérotés sur la frise des jours puis détaillés avec la justification de chaque personne, dans ses mots.
}
chart-break-glass-row = { $time } — { $who } ({ $profession }), dossier { $dossier }
chart-justification = Justification : « { $text } »
chart-no-justification = Aucune justification lisible.
chart-bursts-title = Rafales de consultation
chart-bursts-desc = Une barre par rafale : nombre de dossiers différents consultés par une même personne en { $minutes } minutes au plus ; le trait marque le seuil de { $dossiers } dossiers. { $count ->
    [0] Aucune rafale
    [one] Une rafale
   *[other] { $count } rafales
} sur la période.
chart-burst-label = { $who }, { $time }
chart-threshold = seuil : { $dossiers }
chart-none = Rien sur cette période.
chart-for-dpo-only = Réservé au ou à la délégué·e à la protection des données.
chart-days-left-out = { $count ->
    [one] Le jour le plus ancien n'est pas montré
   *[other] Les { $count } jours les plus anciens ne sont pas montrés
} (période trop longue pour une image).
chart-day = { $day }/{ $month }
chart-hour = { $hour } h
chart-bar = { $series }, { $when } : { $count }
chart-legend-work-hours = Heures de travail ({ $start } h – { $end } h)
chart-legend-inside = Consultations pendant les heures de travail
chart-legend-outside = Consultations hors des heures de travail
chart-legend-refusals = Refus
chart-legend-failed = Échecs d'ouverture de session
chart-legend-dossiers = Dossiers différents consultés
report-pictures = Images

## Command line (clap)
help-usage-heading = Utilisation :
help-commands-heading = Commandes 
help-options-heading = Options 
help-arguments-heading = Arguments 
help-help-command = Afficher cette aide, ou celle des commandes nommées
help-help-flag = Afficher l'aide
usage-unknown-command = commande inconnue : { $what }
usage-unknown-argument = option inconnue : { $what }
usage-missing-argument = il manque : { $what }
usage-missing-command = il manque la commande à exécuter
usage-invalid-value = valeur non valable pour { $arg } : { $value }
usage-conflict = { $what } ne peut pas être donné avec { $other }
usage-wrong-values = nombre de valeurs incorrect pour { $arg }
usage-other = ligne de commande non valable
usage-did-you-mean = vouliez-vous dire { $what } ?
usage-see-help = Pour l'aide : coffre --help (ou coffre COMMANDE --help)
web-audit-charts = Les accès en images

## A vault in PostgreSQL
database-error = erreur de la base de données : { $e }
database-url-invalid = adresse de base de données non valable ({ $why })
database-root-certificate = certificat d'autorité de la base de données illisible : { $e }
database-unreachable = base de données { $database } injoignable : { $e }
database-lock-poisoned = accès à la base de données interrompu par une erreur antérieure ; relancez coffre
database-vault-moved = un autre poste a modifié le coffre pendant cette opération ; rien n'a été enregistré, recommencez
database-lines-beyond-recorded-end = la table coffre.audit_log contient des lignes après la fin que donne l'état enregistré du journal d'audit `as` (à partir de l'entrée { $seq }) : des lignes ajoutées, ou cet enregistrement remis en arrière, en SQL, en dehors de coffre
migrate-from-folder = --vault doit désigner le dossier du coffre à déplacer (la base de destination se donne avec --to)
cli-migrated = coffre { $vault } déplacé dans { $database } : { $records } enregistrements, journal d'audit vérifié ({ $entries } entrées, racine { $root }) ; gardez le dossier { $dir } comme archive ou détruisez-le, ne l'utilisez plus
help-migrate = Déplacer un coffre en dossier (--vault DOSSIER) dans une base PostgreSQL vide, journal d'audit et points de contrôle intacts
help-migrate--to = La base de destination : postgres://UTILISATEUR@HÔTE/BASE?sslmode=verify-full (ou ?host=/dossier/du/socket)
database-check-failed-restart = une vérification du coffre dans la base a échoué plus tôt dans ce processus ; plus rien n'est fait avant de relancer coffre (qui revérifie tout)
database-busy = le coffre est occupé : un autre processus le tient depuis plus de 30 secondes ; recommencez
vault-moved-to-database = ce coffre en dossier a été déplacé dans { $database } (coffre migrate) : utilisez cette adresse ; le dossier est gardé comme archive (supprimez son fichier `moved` pour l'ouvrir à nouveau, et n'utilisez jamais les deux)
database-row-damaged = une ligne de { $table } est abîmée ou déplacée (modifiée en SQL, en dehors de coffre)
audit-index-points-elsewhere = l'enregistrement { $record } de l'index d'audit désigne une autre entrée (modifié en dehors de coffre)
audit-index-missing = l'enregistrement { $record } de l'index d'audit manque (supprimé en dehors de coffre) : le journal chaîne cette trace au dossier
audit-index-off-chain = l'enregistrement { $record } de l'index d'audit n'est pas sur la chaîne du dossier dans le journal (modifié en dehors de coffre)
audit-actor-index-missing = l'enregistrement { $record } de l'index d'audit manque (supprimé en dehors de coffre) : le journal chaîne cette trace à son auteur
audit-actor-index-off-chain = l'enregistrement { $record } de l'index d'audit n'est pas sur la chaîne de l'auteur dans le journal (modifié en dehors de coffre)
audit-aprev-wrong = la trace { $seq } donne { $aprev } comme trace précédente de l'auteur { $actor } ; le journal dit { $expected } (une trace de cet auteur a été supprimée, modifiée ou déplacée)
audit-actor-format-downgrade = la trace { $seq } est au format { $v }, après des traces au format 6 ou 7 : une ligne d'un ancien format a été mise à sa place
audit-dprev-wrong = la trace { $seq } donne { $dprev } comme trace précédente du dossier { $dossier } ; le journal dit { $expected } (une trace le concernant a été supprimée, modifiée ou déplacée)
audit-format-downgrade = la trace { $seq } est au format { $v }, après des traces au format 4 ou 5 : une ligne de l'ancien format a été mise à sa place
audit-index-disagrees-with-log = l'index d'audit { $record } compte { $found } entrées là où le journal en a { $want } (entrées retirées ou ajoutées en dehors de coffre)
database-outcome-unknown = la base de données a cessé de répondre pendant l'enregistrement et n'a pas pu dire s'il a eu lieu : vérifiez (dossier show, audit log) avant de recommencer
signing-key-retired = votre clé ne signe plus pour ce coffre (accès retiré, ou nouvelle identité délivrée depuis votre connexion) : reconnectez-vous

## Daily administration in the browser
action-team-remove = a retiré un·e professionnel·le de l'équipe pluridisciplinaire
person-action-team-remove = a retiré un professionnel de l'équipe
staff-not-in-team = « { $staff } » ne fait pas partie de l'équipe pluridisciplinaire du dossier { $dossier }
cli-team-removed = { $staff } retiré·e de l'équipe pluridisciplinaire de { $id }
help-dossier-team-remove = Retirer un membre du personnel de l'équipe pluridisciplinaire
help-dossier-team-remove--id = Identifiant du dossier
help-dossier-team-remove--staff_id = Identifiant du membre du personnel
web-nav-new-dossier = Nouveau dossier
web-new-dossier-title = Nouveau dossier
web-new-dossier-lead = Le dossier est créé à votre nom, et vous rejoignez son équipe pluridisciplinaire. Le nom et la date de naissance sont chiffrés.
web-new-dossier-name = Nom et prénom de la personne accompagnée
web-new-dossier-birthdate = Date de naissance
web-new-dossier-birthdate-hint = Jour, mois et année sur quatre chiffres, par exemple 14/05/2012
web-new-dossier-submit = Créer le dossier
web-new-dossier-refused = Votre profession ne permet pas de créer un dossier. Demandez à la direction ou au secrétariat.
web-team-add-who = Professionnel·le à ajouter
web-team-add-none = Tous les membres actifs du personnel font déjà partie de l'équipe.
web-team-remove = Retirer de l'équipe
web-team-remove-title = Retirer un membre de l'équipe
web-team-remove-lead = Retirer { $name } ({ $profession }) de l'équipe pluridisciplinaire du dossier de { $person } ?
web-team-remove-access = { $name } ne pourra plus ouvrir ce dossier ni y écrire, dès maintenant (sauf accès d'urgence par bris de glace, qui est tracé et contrôlé).
web-team-remove-kept = Les notes que { $name } y a écrites restent, sous son nom ; ses consultations restent au journal d'accès.
web-team-remove-trail = Le retrait est enregistré au journal d'accès, à votre nom. Vous pourrez ajouter cette personne de nouveau plus tard.
web-team-remove-confirm = Retirer { $name } de l'équipe
web-team-removed = { $name } ne fait plus partie de l'équipe pluridisciplinaire.
web-team-member = { $name } · { $profession } ({ $id })
web-team-remove-lead-number = Retirer { $name } ({ $profession }) de l'équipe pluridisciplinaire du dossier n° { $id } ?
web-person-access-lead-number = Créer l'accès personnel de la personne accompagnée à son dossier, n° { $id } ?
web-person-access = Accès de la personne
web-person-access-refused = Votre profession ne permet pas de donner à la personne l'accès à son dossier. Demandez à la direction.
web-person-access-title = Donner à la personne l'accès à son dossier
web-person-access-lead = Créer l'accès personnel de { $person }, à son dossier ?
web-person-access-passphrase = Une phrase de passe est créée et affichée une seule fois, sur une fiche à imprimer et à remettre en main propre. Coffre ne la garde pas : elle ne pourra pas être affichée de nouveau.
web-person-access-can = La personne pourra lire son dossier, voir qui l'a consulté, ajouter une remarque et s'opposer à un partage, à l'adresse { $address }.
web-person-access-replaces = Si un accès existait déjà, il est remplacé : l'ancienne phrase de passe ne fonctionne plus.
web-person-access-confirm = Créer l'accès et afficher la fiche
web-sheet-title = Votre accès à votre dossier
web-sheet-for = Pour { $person }
web-sheet-from = Remis par { $establishment }, le { $date }
web-sheet-address = Adresse de connexion
web-sheet-dossier = Numéro de dossier (à saisir pour vous connecter)
web-sheet-passphrase = Phrase de passe
web-sheet-can-title = Ce que vous pouvez faire
web-sheet-can-read = Lire ce que votre dossier contient et qui vous concerne.
web-sheet-can-history = Voir qui a consulté votre dossier, et quand.
web-sheet-can-note = Ajouter une remarque, si vous n'êtes pas d'accord avec ce qui est écrit.
web-sheet-can-object = Vous opposer à ce qu'une catégorie d'informations soit montrée à une profession.
web-sheet-can-export = Télécharger une copie de votre dossier.
web-sheet-keep = Gardez cette fiche en lieu sûr et ne la montrez à personne. La phrase de passe n'est écrite nulle part ailleurs : si vous la perdez, demandez un nouvel accès à l'établissement.
web-sheet-staff-done = Accès créé. Imprimez cette page (menu du navigateur, ou Ctrl+P) et remettez la fiche en main propre : la phrase de passe ne sera plus jamais affichée.
web-sheet-staff-pending = Certaines informations ne sont pas encore visibles par la personne : { $keys }. Elles le deviendront quand un membre qui détient ces clés ouvrira le dossier.
web-sheet-back = Revenir au dossier
dossier-sex-invalid = sexe non valable : choisissez féminin, masculin ou autre (f, m ou x)
dossier-details-too-long = adresse trop longue (300 caractères au plus) ou unité trop longue (100 caractères au plus)
admission-date-must-real-date = la date d'admission doit être une vraie date, écrite JJ/MM/AAAA (par exemple 01/09/2024)
help-dossier-create--sex = Sexe : f (féminin), m (masculin) ou x (autre, ou non précisé)
help-dossier-create--address = Adresse postale
help-dossier-create--admitted = Date d'admission, JJ/MM/AAAA (par exemple 01/09/2024)
help-dossier-create--unit = Unité ou groupe de l'établissement
web-new-dossier-optional = Facultatif
web-new-dossier-sex = Sexe
web-sex-unsaid = Non précisé
web-sex-f = Féminin
web-sex-m = Masculin
web-sex-x = Autre
web-new-dossier-address = Adresse
web-new-dossier-admitted = Date d'admission
web-new-dossier-unit = Unité ou groupe
web-dossier-identity = Identité

## Second factor (one-time codes)
second-factor-own-member = seul le membre lui-même inscrit ou retire son second facteur
second-factor-new-id = un second facteur porte un identifiant nouveau et un type connu
second-factor-unknown = aucun second facteur { $id } n'est inscrit
second-factor-person-access = un second facteur de la personne demande son propre accès au dossier
second-factor-person-none = le dossier { $dossier } n'a pas d'accès personnel
web-sf-person-lead = Un second facteur protège votre accès : après votre phrase de passe, le coffre vous demande aussi le code à six chiffres de votre application d'authentification.
web-sf-person-required = Votre établissement demande un second facteur : inscrivez une application d'authentification avant d'ouvrir votre dossier.
web-sf-person-reset = Réinitialiser le second facteur de la personne
web-sf-person-reset-lead = Si la personne a perdu son téléphone et ses codes de secours : son second facteur est retiré, elle en inscrit un nouveau à sa prochaine connexion.
web-sf-person-step-recovery = Téléphone perdu ? Saisissez l'un de vos codes de secours à la place du code, ou demandez à l'établissement de réinitialiser votre second facteur.
web-moi-second-factor = Mon second facteur
second-factor-reset-active = { $member } n'est pas un membre actif
second-factor-cannot-encode = le code à scanner n'a pas pu être préparé
second-factor-wrong-code = code incorrect
second-factor-code-used = ce code a déjà servi : attendez le suivant
second-factor-none = aucun second facteur n'est inscrit
second-factor-lock-poisoned = verrou du second facteur inutilisable
cli-prompt-second-factor = Code à six chiffres (ou code de secours) de { $who } :
cli-second-factor-missing = pas de second facteur : lancez coffre dans un terminal, ou renseignez COFFRE_SECOND_FACTOR
cli-second-factor-passkey-only = la ligne de commande ne peut pas utiliser une clé d'accès (passkey), seul second facteur inscrit pour { $who } : inscrivez aussi une application d'authentification depuis la page « Mon second facteur » du navigateur, puis donnez son code ici
cli-second-factor-few-recovery = il vous reste { $left } codes de secours : inscrivez à nouveau votre application (page « Mon second facteur ») pour en obtenir de nouveaux
web-sf-step-title = Second facteur
web-sf-step-lead = Saisissez le code à six chiffres affiché par votre application d'authentification.
web-sf-step-recovery = Téléphone perdu ? Saisissez l'un de vos codes de secours à la place du code, ou demandez à un responsable de réinitialiser votre second facteur.
web-sf-code = Code à six chiffres ou code de secours
web-sf-submit = Valider
web-sf-enrol-title = Inscrire une application d'authentification
web-sf-enrol-required = Votre établissement demande un second facteur : inscrivez une application d'authentification avant d'ouvrir le coffre.
web-sf-enrol-app = Votre application
web-sf-enrol-intro = Dans votre application d'authentification (sur votre téléphone), ajoutez un compte en scannant ce code, ou en saisissant la clé ci-dessous.
web-sf-enrol-qr = Code à scanner avec l'application
web-sf-enrol-secret = Clé à saisir :
web-sf-enrol-code = Code à six chiffres affiché par l'application, pour confirmer
web-sf-recovery-title = Vos codes de secours
web-sf-recovery-intro = Imprimez ou recopiez ces dix codes et gardez-les en lieu sûr : ils ne seront plus jamais affichés. Chacun remplace une seule fois le code de l'application, si vous perdez votre téléphone.
web-sf-own-title = Mon second facteur
web-sf-own-lead = Les seconds facteurs inscrits pour votre compte :
web-sf-own-none = Aucun second facteur n'est inscrit pour votre compte.
web-sf-kind = Type
web-sf-kind-totp = Application d'authentification (code à six chiffres)
web-sf-remove = Retirer
web-sf-add = Inscrire une application d'authentification
web-sf-done = C'est fait.
web-sf-few-recovery = Il vous reste peu de codes de secours : inscrivez à nouveau votre application pour en obtenir de nouveaux.
web-sf-reset = Réinitialiser le second facteur
web-nav-second-factor = Mon second facteur
action-auth-second-factor = a donné son second facteur
action-auth-second-factor-enrol = a inscrit un second facteur
action-auth-second-factor-remove = a retiré un second facteur
action-auth-second-factor-reset = a réinitialisé le second facteur d'un membre
action-auth-second-factor-reset-person = a réinitialisé le second facteur de la personne accompagnée
auth-code-already-used = code déjà utilisé
second-factor-passkey-config = les clés d'accès ne peuvent pas servir sous le nom { $rp } : donnez au serveur un nom de domaine (--server-name)
second-factor-passkey-http = les clés d'accès demandent une origine https : { $origin } n'est pas acceptée (le http simple ne vaut que pour localhost, 127.0.0.1 et [::1])
serve-passkey-https-only = attention : le serveur parle en http simple sous le nom { $name } ; les clés d'accès n'y sont proposées qu'à l'adresse https://{ $name } (le proxy TLS), jamais en http
second-factor-passkey-refused = clé d'accès refusée
second-factor-passkey-counter = clé d'accès refusée : son compteur est revenu en arrière (une copie de la clé ?)
auth-passkey-counter-back = compteur de la clé d'accès revenu en arrière (une copie de la clé ?)
web-sf-passkey-lead = Ou utilisez votre clé d'accès (passkey) : clé de sécurité, téléphone ou ordinateur.
web-sf-passkey-use = Utiliser ma clé d'accès
web-sf-passkey-failed = La clé d'accès n'a pas répondu, ou n'est pas inscrite pour ce compte. Réessayez, ou saisissez un code.
web-sf-passkey-noscript = Les clés d'accès demandent JavaScript, désactivé dans ce navigateur : saisissez un code.
web-sf-passkey-enrol-title = Inscrire une clé d'accès
web-sf-passkey-enrol-lead = Branchez votre clé de sécurité, ou préparez le lecteur d'empreinte ou le code de verrouillage de votre appareil, puis appuyez sur le bouton. Aucun secret ne quitte la clé : le coffre n'en garde que la partie publique.
web-sf-passkey-create = Créer la clé d'accès
web-sf-passkey-add = Inscrire une clé d'accès (passkey)
web-sf-kind-passkey = Clé d'accès (passkey)

## Documents
policy-documents-max-mib = [documents] max_mib doit être compris entre 1 et 1048576
policy-document-type-invalid = type de document « { $id } » : un identifiant de lettres minuscules, chiffres, - et _
policy-kind-document-reserved = le type de note « document » est réservé aux documents joints à un dossier
document-read-failed = le document n'a pas pu être lu : { $e }
document-write-failed = le document n'a pas pu être écrit : { $e }
document-too-large = document trop volumineux : au plus { $limit_mib } Mio (réglage [documents] max_mib de la politique)
document-text-invalid = { $what } d'un document : au plus { $max } caractères, sans caractère de contrôle (et un titre est obligatoire)
document-date-invalid = la date du document doit être une vraie date, écrite JJ/MM/AAAA (par exemple 18/03/2024)
document-mime-invalid = type MIME invalide
document-type-unknown = type de document inconnu « { $doc_type } » ; la politique définit : { $known }
document-category-unknown = catégorie inconnue « { $cat } » (voir coffre policy)
document-type-contradicts = le contenu du fichier n'est pas ce que dit son type déclaré { $mime }
document-manifest-encode = la description du document n'a pas pu être encodée
document-manifest-invalid = la description d'un document est endommagée
document-not-found = aucun document { $id }
document-version-not-found = aucune version { $version } de ce document
document-changed-meanwhile = quelqu'un a ajouté une version de ce document entre-temps : réessayez
document-chunks-gone = le contenu du document a été supprimé avant d'être enregistré (coffre check --sweep-chunks pendant l'envoi) : envoyez-le de nouveau
document-category-fixed = une nouvelle version garde la catégorie du document : « { $first } », pas « { $given } » (pour une autre catégorie, joignez un nouveau document)
document-other-dossier = le document { $id } est dans le dossier { $actual }, pas dans le dossier { $dossier } : une nouvelle version s'ajoute dans le dossier du document
web-document-too-large = Document trop volumineux : au plus { $limit_mib } Mio.
web-document-field-too-long = Formulaire du document refusé : un champ dépasse { $max } octets.
web-document-too-many-parts = Formulaire du document refusé : trop de champs.
web-document-busy = Trop de documents sont en cours d'envoi ou de téléchargement. Réessayez dans un moment.
web-document-busy-account = Vous avez déjà le nombre maximal de documents en cours d'envoi ou de téléchargement. Réessayez quand l'un d'eux sera terminé.
web-document-stalled = L'envoi du document s'est interrompu : réessayez.
check-orphan-chunks = { $n } bloc(s) de document qu'aucune version enregistrée ne nomme (un envoi interrompu) : coffre check --sweep-chunks les supprime
check-orphan-chunks-swept = { $n } bloc(s) de document qu'aucune version enregistrée ne nommait supprimé(s)
action-document-add = a joint un document
action-document-amend = a ajouté une version d'un document
action-document-read = a ouvert un document
action-document-list = a consulté la liste des documents d'un dossier
document-not-to-terminal = un document n'est pas écrit dans un terminal : donnez --out FICHIER, ou --out - avec la sortie standard redirigée
document-out-exists = { $path } existe déjà : un document n'est jamais écrit par-dessus un fichier
document-cannot-read-file = impossible de lire { $path } : { $e }
cli-document-version-added = { $doc } : version { $version } ajoutée
cli-document-none = Aucun document que vous pouvez ouvrir.
cli-document-withheld = { $n } document(s) non affiché(s) (catégorie qui ne vous est pas ouverte)
cli-document-line = { $id } v{ $version } · { $title } · { $doc_type } · { $cat } · { $date } · { $size } octets · { $file }
help-document = Joindre des documents à un dossier, les lister et les ouvrir
help-document-add = Joindre un document (ou, avec --version-of, une nouvelle version d'un document) ; affiche son identifiant seul sur une ligne
help-document-add--dossier = Identifiant du dossier
help-document-add--file = Le fichier à joindre (- lit l'entrée standard)
help-document-add--title = Titre ; @FICHIER le lit dans un fichier et @- sur l'entrée standard, pour qu'il n'apparaisse ni dans `ps` ni dans l'historique du shell
help-document-add--doc_type = Type de document (voir `coffre policy show`)
help-document-add--category = La catégorie qui décide qui peut l'ouvrir
help-document-add--date = La date du document, JJ/MM/AAAA (par exemple 18/03/2024)
help-document-add--source = La provenance du document ; @FICHIER la lit dans un fichier et @- sur l'entrée standard (hors de `ps` et de l'historique du shell)
help-document-add--mime = Type MIME (deviné d'après le nom du fichier sinon)
help-document-add--version_of = Ajouter plutôt une nouvelle version de ce document (les précédentes sont gardées)
help-document-list = Lister les documents d'un dossier que vous pouvez ouvrir
help-document-list--dossier = Identifiant du dossier
help-document-list--break_glass = Accès d'urgence (bris de glace) hors de votre équipe pluridisciplinaire, avec une justification
help-document-get = Ouvrir un document dans un fichier (jamais dans un terminal : --out - écrit sur la sortie standard)
help-document-get--dossier = Identifiant du dossier
help-document-get--doc = Identifiant du document
help-document-get--doc_version = Une version (la dernière sinon)
help-document-get--out = Le fichier à écrire (créé, jamais écrasé), ou - pour la sortie standard
help-document-get--break_glass = Accès d'urgence (bris de glace) hors de votre équipe pluridisciplinaire, avec une justification
web-documents-title = Documents
web-documents-none = Aucun document que vous pouvez ouvrir.
web-documents-withheld = { $n } document(s) qui ne vous sont pas ouverts (catégorie).
web-document-meta = { $doc_type } · { $cat } · { $date } · { $size } octets · version { $version }
web-document-form-invalid = le formulaire du document n'a pas pu être lu : réessayez
web-document-add = Joindre un document
web-document-title = Titre
web-document-type = Type
web-document-category = Qui peut l'ouvrir (catégorie)
web-document-date = Date du document
web-document-source = Provenance
web-document-file = Fichier
web-document-submit = Joindre
web-moi-document-meta = { $doc_type } · { $date }
cli-policy-document-types = types de document (au plus { $max_mib } Mio par document) :
