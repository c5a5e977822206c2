# bash completion for nsearch-cli                           -*- shell-script -*-
# Installed by meson into bash-completion's completions directory.

_nsearch_cli()
{
    local cur prev words cword
    _init_completion || return

    local commands="search get similar suggest status stats problems wait
        reindex compact backup"
    local opts="--socket --limit --offset --json --color --colour --lang --section
        --tag --author --since --until --from --to --sort --match --facets
        --no-collapse --no-autocorrect --recency --queries --help --version"

    case $prev in
        -s | --socket)
            _filedir
            return
            ;;
        --sort)
            COMPREPLY=($(compgen -W 'relevance newest date oldest' -- "$cur"))
            return
            ;;
        --match)
            COMPREPLY=($(compgen -W 'auto all any' -- "$cur"))
            return
            ;;
        --color | --colour)
            COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
            return
            ;;
        --lang)
            COMPREPLY=($(compgen -W 'en ru de fr es it nl pt sv da no fi
                uk pl tr ar zh ja ko' -- "$cur"))
            return
            ;;
        --facets)
            # A comma-separated list: complete the last item.
            local done="" last=$cur
            if [[ $cur == *,* ]]; then
                done=${cur%,*},
                last=${cur##*,}
            fi
            COMPREPLY=($(compgen -P "$done" -W 'tag author section lang year
                month' -- "$last"))
            compopt -o nospace
            return
            ;;
        -n | --limit | -o | --offset | --recency | --section | --tag | \
        --author | --since | --until | --from | --to)
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    # The first word that is not an option (or an option's value) is the
    # command; what follows depends on it.  The socket given is the one
    # to ask for paths.
    local i cmd="" socket=()
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -s | --socket)
                socket=(--socket "${words[i + 1]/#\~\//$HOME/}")
                ((i++))
                ;;
            --socket=*)
                socket=(--socket "${words[i]#--socket=}")
                ;;
            -n | --limit | -o | --offset | --color | \
            --colour | --lang | --section | --tag | --author | --since | \
            --until | --from | --to | --sort | --match | --facets | --recency)
                ((i++))
                ;;
            -*) ;;
            *)
                cmd=${words[i]}
                break
                ;;
        esac
    done

    case $cmd in
        "")
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            ;;
        get | similar | wait | reindex)
            # Paths as the daemon has indexed them, relative to its
            # articles directory (not the current one), a folder at a time.
            local IFS=$'\n'
            COMPREPLY=($("$1" "${socket[@]}" __complete-path "$cur" \
                2>/dev/null))
            if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then
                compopt -o nospace
            fi
            ;;
        backup)
            _filedir -d
            ;;
        search | suggest)
            # The indexed words that begin with the word being typed.
            if [[ -n $cur && $cur != -* ]]; then
                local IFS=$'\n'
                COMPREPLY=($("$1" "${socket[@]}" __complete-word "$cur" \
                    2>/dev/null))
            fi
            ;;
    esac
} &&
    complete -F _nsearch_cli nsearch-cli
