<?php
// nsearch_client.php - a minimal client of nsearchd's HTTP API
// (docs/http.md) in plain PHP: no extension beyond the standard ones
// (stream wrappers and json), no Composer.
//
//   $c = new NsearchClient('http://127.0.0.1:8080', $token);
//   $c->search('budget', ['section' => 'politics', 'facets' => 'section']);
//   $etag = $c->publish('politics/budget.md', $text)['etag'];
//   $c->publish('politics/budget.md', $newText, $etag);
//   $c->delete('politics/budget.md');
//
// Errors throw NsearchError with the protocol's code and the HTTP status.
// As a program: php nsearch_client.php URL TOKEN search QUERY |
// put PATH FILE | delete PATH   (prints the JSON reply)

class NsearchError extends Exception
{
    public $status;
    public $errorCode;

    public function __construct($status, $code, $message)
    {
        parent::__construct("$status $code: $message");
        $this->status = $status;
        $this->errorCode = $code;
    }
}

class NsearchClient
{
    private $url;
    private $token;

    public function __construct($url, $token = null)
    {
        $this->url = rtrim($url, '/');
        $this->token = $token;
    }

    private function call($method, $path, $body = null, $headers = [])
    {
        if ($this->token !== null) {
            $headers[] = 'Authorization: Bearer ' . $this->token;
        }
        $opts = ['http' => [
            'method' => $method,
            'header' => implode("\r\n", $headers),
            'ignore_errors' => true,   // read the error body too
            'timeout' => 60,
        ]];
        if ($body !== null) {
            $opts['http']['content'] = $body;
        }
        $data = file_get_contents($this->url . $path, false,
                                  stream_context_create($opts));
        if ($data === false) {
            throw new NsearchError(0, 'UNREACHABLE', 'no answer from ' . $this->url);
        }
        preg_match('{^HTTP/\S+ (\d+)}', $http_response_header[0], $m);
        $status = (int)$m[1];
        $reply = json_decode($data, true);
        if ($status >= 400) {
            $err = $reply['error'] ?? ['code' => null, 'message' => $data];
            throw new NsearchError($status, $err['code'], $err['message']);
        }
        return $reply;
    }

    private static function quote($path)
    {
        return implode('/', array_map('rawurlencode', explode('/', $path)));
    }

    public function search($q, $params = [])
    {
        $params['q'] = $q;
        return $this->call('GET', '/search?' . http_build_query($params));
    }

    public function get($path)
    {
        return $this->call('GET', '/articles/' . self::quote($path));
    }

    public function publish($path, $text, $ifMatch = null)
    {
        $headers = ['Content-Type: text/markdown; charset=utf-8'];
        if ($ifMatch !== null) {
            $headers[] = 'If-Match: ' . $ifMatch;
        }
        return $this->call('PUT', '/articles/' . self::quote($path), $text, $headers);
    }

    public function delete($path, $ifMatch = null)
    {
        $headers = $ifMatch !== null ? ['If-Match: ' . $ifMatch] : [];
        return $this->call('DELETE', '/articles/' . self::quote($path), null, $headers);
    }
}

if (PHP_SAPI === 'cli' && realpath($argv[0]) === __FILE__) {
    if ($argc < 5) {
        fwrite(STDERR, "usage: php nsearch_client.php URL TOKEN search QUERY | put PATH FILE | delete PATH\n");
        exit(2);
    }
    $c = new NsearchClient($argv[1], $argv[2] === '-' ? null : $argv[2]);
    try {
        switch ($argv[3]) {
        case 'search':
            $out = $c->search(implode(' ', array_slice($argv, 4)));
            break;
        case 'put':
            $out = $c->publish($argv[4], file_get_contents($argv[5]));
            break;
        case 'delete':
            $out = $c->delete($argv[4]);
            break;
        default:
            $out = $c->get($argv[4]);
        }
    } catch (NsearchError $e) {
        echo json_encode(['status' => $e->status, 'code' => $e->errorCode,
                          'message' => $e->getMessage()]), "\n";
        exit(1);
    }
    echo json_encode($out), "\n";
}
