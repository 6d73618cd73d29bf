function __merge-tokenizer_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __merge-tokenizer_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __merge-tokenizer_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __merge-tokenizer_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __merge-tokenizer_parse_tokens -S
    set -l unparsed_tokens (__merge-tokenizer_tokens -pc)
    switch $unparsed_tokens[1]
    case 'merge-tokenizer'
        __merge-tokenizer_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'merge'
            __merge-tokenizer_parse_subcommand -r 1 'source=' 'base=' 'out=' 'add-token=+' 'chat-template=' 'pad-to-multiple-of=' 'v/verbose' 'q/quiet' 'json' 'ndjson' 'h/help'
        case 'transplant'
            __merge-tokenizer_parse_subcommand 3 'k/k=' 'c/cosine-similarity' 'no-cosine-similarity' 'a/approximation-method=' 'w/weight-scheme=' 's/subword-method=' 'batch-size=' 'prefix-match=' 'byte-match=' 'magikarp' 'no-magikarp' 'new-vocab-noise=' 'new-vocab-scale=' 'random-seed=' 'out-shard-size=' 'j/num-threads=' 'v/verbose' 'q/quiet' 'json' 'ndjson' 'h/help'
        case 'help'
            __merge-tokenizer_parse_subcommand -r 1 
        end
    end
end

function __merge-tokenizer_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __merge-tokenizer_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __merge-tokenizer_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __merge-tokenizer_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__merge-tokenizer_tokens -p)
    if test -z "$(__merge-tokenizer_tokens -t)"
        set -l index (count (__merge-tokenizer_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'merge-tokenizer' -f
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_positional "merge-tokenizer" -eq 1' -fa 'merge' -d 'Merge the vocabularies of several models into one tokenizer.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_positional "merge-tokenizer" -eq 1' -fa 'transplant' -d 'Give a model another model\'s tokenizer (mergekit-tokensurgeon).'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_positional "merge-tokenizer" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge" source' -l 'source' -d 'Output vocabulary: union, base, or a model directory.' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge" base' -l 'base' -d 'The base model (default: the first MODEL).' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge" out' -l 'out' -d 'The output directory (written atomically).' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge"' -l 'add-token' -d 'Add this token if missing (repeatable).' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge" chat-template' -l 'chat-template' -d 'Chat template: auto, alpaca, chatml, exaone, llama3, mistral, or a Jinja template.' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge" pad-to-multiple-of' -l 'pad-to-multiple-of' -d 'Report the embedding rows padded to a multiple of N (as pad_to_multiple_of).' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge"' -l 'verbose' -s 'v' -d 'Say more on stderr (repeat for more).'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge" q quiet' -l 'quiet' -s 'q' -d 'Say nothing on stderr but errors.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge" json' -l 'json' -d 'Print one JSON document on stdout (it carries schema_version; see the docs).'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge" ndjson' -l 'ndjson' -d 'Print one JSON record per line on stdout, then a summary record.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer merge" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" k k' -s 'k' -l 'k' -d 'Atoms (omp, stb, mp_rope) or neighbours (common_interpolation).' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" c cosine-similarity' -s 'c' -l 'cosine-similarity' -d 'common_interpolation: cosine distance instead of Euclidean.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" nc no-cosine-similarity' -o 'nc' -l 'no-cosine-similarity' -d 'Euclidean distance (the default).'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" a approximation-method' -s 'a' -l 'approximation-method' -d 'How to make rows for tokens the model lacks.' -rfka 'omp common_interpolation subword mean zero randn john_hewitt landmark_pca stb mp_rope'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" w weight-scheme' -s 'w' -l 'weight-scheme' -d 'How common_interpolation weighs the neighbours.' -rfka 'distance_proportional barycentric least_squares'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" s subword-method' -s 's' -l 'subword-method' -d 'How subword combines the pieces.' -rfka 'mean sum weighted_mean first_last'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" batch-size' -l 'batch-size' -d 'New tokens approximated per batch (≤ 0: all at once).' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" pm prefix-match' -o 'pm' -l 'prefix-match' -d 'Give unmatched tokens the row of their longest known prefix (both matrices, or only embed / lm_head).' -rfka 'no yes embed lm_head'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" bm byte-match' -o 'bm' -l 'byte-match' -d 'Match one-byte characters with <0xNN> byte tokens and back.' -rfka 'no yes embed lm_head'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" magikarp' -l 'magikarp' -d 'Drop under-trained tokens (Magikarp) from the shared set; zero donor tokens under-trained in both.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" no-magikarp' -l 'no-magikarp' -d 'Drop under-trained tokens (Magikarp) from the shared set; zero donor tokens under-trained in both.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" new-vocab-noise nvn' -o 'nvn' -l 'new-vocab-noise' -d 'Add N(0, σ²) noise to approximated rows.' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" new-vocab-scale nvs' -o 'nvs' -l 'new-vocab-scale' -d 'Scale approximated rows by this factor.' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" random-seed' -l 'random-seed' -d 'Seed for randn, john_hewitt and --new-vocab-noise (reproducible runs).' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" out-shard-size' -l 'out-shard-size' -d 'Largest output shard (mergekit spelling: 5B = 5 billion bytes; also 500MB, 2GiB).' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" j num-threads' -s 'j' -l 'num-threads' -d 'Worker threads (default: all cores).' -rfka ''
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant"' -l 'verbose' -s 'v' -d 'Say more on stderr (repeat for more).'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" q quiet' -l 'quiet' -s 'q' -d 'Say nothing on stderr but errors.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" json' -l 'json' -d 'Print one JSON document on stdout (it carries schema_version; see the docs).'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" ndjson' -l 'ndjson' -d 'Print one JSON record per line on stdout, then a summary record.'
complete -c 'merge-tokenizer' -n '__merge-tokenizer_should_offer_completions_for_flags_or_options "merge-tokenizer transplant" h help' -s 'h' -l 'help' -d 'Show help information.'
